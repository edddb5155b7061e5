using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>Our SCU against DCMTK's dcmqrscp: store a generated study, then echo and find it.</summary>
public sealed class DcmqrscpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoreThenFind_AgainstDcmqrscp()
    {
        using var files = new TempDirectory("qrscp");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var qrscp = await DcmtkQrScp.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", qrscp.Port, new AssociationOptions { CalledAeTitle = qrscp.AeTitle, CallingAeTitle = "PORTAL" });
        Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));

        await using (var store = await client.OpenAsync(await StorageContexts.ForFilesAsync(study.Files, Ct), Ct))
        {
            foreach (var file in study.Files)
            {
                Assert.Equal(DimseStatus.Success, (await store.StoreFileAsync(file, Ct)).Status);
            }

            await store.ReleaseAsync(Ct);
        }

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
}
