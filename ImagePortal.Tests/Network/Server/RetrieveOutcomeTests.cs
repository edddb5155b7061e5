using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// Our SCU against our SCP: SCP/SCU role selection decides whether C-GET sub-operations are sent
/// (PS3.7 D.3.3.4), and failed sub-operations are listed in the final response's Failed SOP Instance
/// UID List (0008,0058), which our SCU reports.
/// </summary>
public sealed class RetrieveOutcomeTests
{
    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_WithTheScpRole_IsAccepted_AndEveryInstanceArrives()
    {
        using var files = new TempDirectory("qr");
        using var sink = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        await using var association = await OpenGetAsync(scp, "GETTER", withRole: true);

        Assert.True(association.Association.RequestorIsScp(SyntheticStudy.CtImageStorage));
        var final = (await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new FolderStoreProvider(sink.Path), Ct).ToListAsync(Ct))[^1];
        await association.ReleaseAsync(Ct);

        Assert.Equal(DimseStatus.Success, final.Status);
        Assert.Equal((ushort)3, final.Completed);
        Assert.Empty(final.FailedSopInstanceUids);
        Assert.Equal(3, Directory.GetFiles(sink.Path, "*.dcm").Length);
    }

    [Fact]
    public async Task Get_WithoutTheScpRole_SendsNoSubOperation_FailsThemAll_AndListsThem()
    {
        using var files = new TempDirectory("qr");
        using var sink = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        await using var association = await OpenGetAsync(scp, "GETTER", withRole: false);

        Assert.False(association.Association.RequestorIsScp(SyntheticStudy.CtImageStorage));
        var final = (await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new FolderStoreProvider(sink.Path), Ct).ToListAsync(Ct))[^1];

        Assert.Equal(DimseStatus.RetrieveOutOfResourcesSubOperations, final.Status);
        Assert.Equal((ushort)3, final.Failed);
        Assert.Equal((ushort)0, final.Completed);
        Assert.Contains("SCP role", final.ErrorComment);
        Assert.Equal(study.SopInstanceUids.Order(), final.FailedSopInstanceUids.Order());
        Assert.Empty(Directory.GetFiles(sink.Path));
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task ScpRole_IsRefused_ToACallerThatMayNotGet()
    {
        await using var scp = TestScp.Start(o => o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["STOREONLY"] = DicomPermissions.Store | DicomPermissions.Echo });
        await using var association = await Client(scp, "STOREONLY").OpenAsync(
            [PresentationContextRequest.Verification(), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)], Ct);

        var role = Assert.Single(association.Association.Accept.UserInformation.RoleSelections);
        Assert.False(role.ScpRole);
        Assert.False(association.Association.RequestorIsScp(SyntheticStudy.CtImageStorage));
        // It proposed itself as SCP only (SCU role 0): it may not send C-STORE on that context either.
        Assert.False(association.Association.RequestorIsScu(SyntheticStudy.CtImageStorage));
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task Get_WithOneInstanceGone_IsB000_AndListsExactlyThatInstance()
    {
        using var files = new TempDirectory("qr");
        using var sink = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 4);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        var gone = study.Files[1];
        var goneUid = DicomFile.Open(gone).Dataset.GetUid(DicomTag.SOPInstanceUID)!;
        File.Delete(gone);
        await using var association = await OpenGetAsync(scp, "GETTER", withRole: true);

        var progress = await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), new FolderStoreProvider(sink.Path), Ct).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);

        var final = progress[^1];
        Assert.Equal(DimseStatus.SubOperationsCompleteWithFailures, final.Status);
        Assert.Equal(((ushort?)3, (ushort?)1), (final.Completed, final.Failed));
        Assert.Equal([goneUid], final.FailedSopInstanceUids);
        Assert.All(progress[..^1], p => Assert.Empty(p.FailedSopInstanceUids));
        Assert.Equal(3, Directory.GetFiles(sink.Path, "*.dcm").Length);
    }

    [Fact]
    public async Task Move_ToADestinationThatIsDown_FailsEveryInstance_AndListsThem()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 2);
        var archive = new TestArchive(study.Files);
        archive.AddDestination(new DicomDestination("DOWN", "127.0.0.1", FreePort.Next()));
        await using var scp = TestScp.Start(move: archive);
        await using var association = await Client(scp, "MOVER").OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, [DicomNetworkUids.ImplicitVrLittleEndian])], Ct);

        var final = (await association.MoveAsync(DicomNetworkUids.StudyRootMove, "DOWN", study.StudyKeys(), Ct).ToListAsync(Ct))[^1];
        await association.ReleaseAsync(Ct);

        Assert.Equal(DimseStatusClass.Failure, final.Status.Class);
        Assert.Equal((ushort)2, final.Failed);
        Assert.Equal(study.SopInstanceUids.Order(), final.FailedSopInstanceUids.Order());
    }

    private static async Task<DicomClientAssociation> OpenGetAsync(TestScp scp, string callingAe, bool withRole)
    {
        PresentationContextRequest[] storage = withRole
            ? [.. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)]
            : [new PresentationContextRequest(SyntheticStudy.CtImageStorage, Uncompressed)];
        return await Client(scp, callingAe).OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), PresentationContextRequest.Verification(), .. storage], Ct);
    }

    private static DicomClient Client(TestScp scp, string callingAe) =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = callingAe });
}
