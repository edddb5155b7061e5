using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>Our SCU against DCMTK's dcmqrscp: store a generated study, then echo, find, get and move it.</summary>
public sealed class DcmqrscpTests
{
    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoreThenFind_AgainstDcmqrscp()
    {
        using var files = new TempDirectory("qrscp");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var qrscp = await DcmtkQrScp.StartAsync(cancellationToken: Ct);
        var client = Client(qrscp);
        Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));
        await StoreAsync(client, study);

        await using var find = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian])], Ct);
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "SERIES");
        keys.SetString(DicomTag.StudyInstanceUID, study.StudyInstanceUid);
        keys.SetString(DicomTag.SeriesInstanceUID, string.Empty);
        var results = await find.FindAsync(DicomNetworkUids.StudyRootFind, keys, Ct).ToListAsync(Ct);
        await find.ReleaseAsync(Ct);

        Assert.True(results[^1].Status == DimseStatus.Success, qrscp.Output);
        Assert.Equal(study.SeriesInstanceUids, results[..^1].Select(r => r.Identifier!.GetUid(DicomTag.SeriesInstanceUID)!));
    }

    [Fact]
    public async Task Get_FromDcmqrscp_WithScpRoleSelection_BringsTheStudyBack()
    {
        using var files = new TempDirectory("qrscp");
        using var sinkFolder = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 2, imagesPerSeries: 3);
        await using var qrscp = await DcmtkQrScp.StartAsync(cancellationToken: Ct);
        var client = Client(qrscp);
        await StoreAsync(client, study);

        await using var get = await client.OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)],
            Ct);
        Assert.True(get.Association.RequestorIsScp(SyntheticStudy.CtImageStorage), "dcmqrscp did not accept our SCP role");
        var progress = await get.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new FolderStoreProvider(sinkFolder.Path), Ct).ToListAsync(Ct);
        await get.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.True(final.Status == DimseStatus.Success, $"{final} {qrscp.Output}");
        Assert.Equal((ushort)6, final.Completed);
        Assert.Empty(final.FailedSopInstanceUids);
        Assert.Equal(study.SopInstanceUids.Order(), await InteropAssert.InstanceUidsAsync(Directory.GetFiles(sinkFolder.Path, "*.dcm"), Ct));
    }

    [Fact]
    public async Task Get_FromDcmqrscp_WithoutRoleSelection_EverySubOperationFails_AndIsListed()
    {
        using var files = new TempDirectory("qrscp");
        using var sinkFolder = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 2);
        await using var qrscp = await DcmtkQrScp.StartAsync(cancellationToken: Ct);
        var client = Client(qrscp);
        await StoreAsync(client, study);

        // The storage context is proposed, but without the SCP role: dcmqrscp may not send it to us.
        await using var get = await client.OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), new PresentationContextRequest(SyntheticStudy.CtImageStorage, Uncompressed)],
            Ct);
        Assert.False(get.Association.RequestorIsScp(SyntheticStudy.CtImageStorage));
        var progress = await get.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new FolderStoreProvider(sinkFolder.Path), Ct).ToListAsync(Ct);
        await get.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.Equal(DimseStatusClass.Failure, final.Status.Class);
        Assert.Equal((ushort)2, final.Failed);
        Assert.Equal(study.SopInstanceUids.Order(), final.FailedSopInstanceUids.Order());
        Assert.Empty(Directory.GetFiles(sinkFolder.Path));
    }

    [Fact]
    public async Task Move_FromDcmqrscp_ToOurScp()
    {
        using var files = new TempDirectory("qrscp");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 4);
        await using var scp = TestScp.Start();
        await using var qrscp = await DcmtkQrScp.StartAsync(destinations: [new DicomDestination(scp.AeTitle, "127.0.0.1", scp.Port)], cancellationToken: Ct);
        var client = Client(qrscp);
        await StoreAsync(client, study);

        await using var move = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, Uncompressed)], Ct);
        var progress = await move.MoveAsync(DicomNetworkUids.StudyRootMove, scp.AeTitle, study.StudyKeys(), Ct).ToListAsync(Ct);
        await move.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.True(final.Status == DimseStatus.Success, $"{final} {qrscp.Output}");
        Assert.Equal((ushort)4, final.Completed);
        Assert.Equal(study.SopInstanceUids.Order(), await InteropAssert.InstanceUidsAsync(scp.StoredFiles, Ct));
    }

    [Fact]
    public async Task Move_FromDcmqrscp_ToADestinationThatRefuses_ReportsTheFailedInstances()
    {
        using var files = new TempDirectory("qrscp");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        // Our SCP offers no storage to this calling AE: dcmqrscp's association for the sub-operations is refused.
        await using var scp = TestScp.Start(o => o.DefaultPermissions = DicomPermissions.Echo);
        await using var qrscp = await DcmtkQrScp.StartAsync(destinations: [new DicomDestination(scp.AeTitle, "127.0.0.1", scp.Port)], cancellationToken: Ct);
        var client = Client(qrscp);
        await StoreAsync(client, study);

        await using var move = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, Uncompressed)], Ct);
        var progress = await move.MoveAsync(DicomNetworkUids.StudyRootMove, scp.AeTitle, study.StudyKeys(), Ct).ToListAsync(Ct);
        await move.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.NotEqual(DimseStatus.Success, final.Status);
        Assert.Empty(scp.StoredFiles);
        Assert.Equal(study.SopInstanceUids.Order(), final.FailedSopInstanceUids.Order());
    }

    private static DicomClient Client(DcmtkQrScp qrscp) =>
        new("127.0.0.1", qrscp.Port, new AssociationOptions { CalledAeTitle = qrscp.AeTitle, CallingAeTitle = "PORTAL" });

    private static async Task StoreAsync(DicomClient client, SyntheticStudy study)
    {
        await using var store = await client.OpenAsync(await StorageContexts.ForFilesAsync(study.Files, Ct), Ct);
        foreach (var file in study.Files)
        {
            Assert.Equal(DimseStatus.Success, (await store.StoreFileAsync(file, Ct)).Status);
        }

        await store.ReleaseAsync(Ct);
    }
}
