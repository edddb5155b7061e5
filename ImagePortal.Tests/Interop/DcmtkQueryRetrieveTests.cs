using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>DCMTK's findscu, getscu and movescu against our SCP, and cancellation of our own C-FIND and C-GET.</summary>
public sealed class DcmtkQueryRetrieveTests
{
    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DcmtkFindScu_StudyLevel_AgainstOurScp()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path);
        await using var scp = TestScp.Start(find: new TestArchive(study.Files));

        var (exit, output) = await DcmtkTools.RunAsync(
            "findscu",
            ["-v", "-S", "-aet", "FINDSCU", "-aec", scp.AeTitle, "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=PID-0001", "-k", "StudyInstanceUID", "-k", "PatientName", "127.0.0.1", scp.Port.ToString()],
            Ct);

        Assert.True(exit == 0, output);
        Assert.Contains(study.StudyInstanceUid, output);
        Assert.Contains("Received Final Find Response (Success)", output);
    }

    [Fact]
    public async Task DcmtkGetScu_Study_FromOurScp()
    {
        using var files = new TempDirectory("qr");
        using var output = new TempDirectory("getscu");
        var study = SyntheticStudy.Write(files.Path);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));

        var (exit, log) = await DcmtkTools.RunAsync(
            "getscu",
            ["-v", "-S", "-aet", "GETSCU", "-aec", scp.AeTitle, "-od", output.Path, "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "127.0.0.1", scp.Port.ToString()],
            Ct);

        Assert.True(exit == 0, log);
        Assert.Equal(study.SopInstanceUids.Order(), await InteropAssert.InstanceUidsAsync(Directory.GetFiles(output.Path), Ct));
    }

    [Fact]
    public async Task DcmtkMoveScu_Study_FromOurScp_ToDcmtkStoreScp()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path);
        await using var storescp = await DcmtkStoreScp.StartAsync("MOVEDEST", cancellationToken: Ct);
        var archive = new TestArchive(study.Files);
        archive.AddDestination(new DicomDestination("MOVEDEST", "127.0.0.1", storescp.Port));
        await using var scp = TestScp.Start(move: archive);

        var (exit, log) = await DcmtkTools.RunAsync(
            "movescu",
            ["-v", "-S", "-aet", "MOVESCU", "-aec", scp.AeTitle, "-aem", "MOVEDEST", "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "127.0.0.1", scp.Port.ToString()],
            Ct);

        Assert.True(exit == 0, log);
        await storescp.WaitForFilesAsync(study.Files.Count, TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(study.SopInstanceUids.Order(), await InteropAssert.InstanceUidsAsync(storescp.ReceivedFiles, Ct));
    }

    [Fact]
    public async Task DcmtkMoveScu_SeesOurFailedSopInstanceUidList_WhenTheDestinationIsDown()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 2);
        var archive = new TestArchive(study.Files);
        archive.AddDestination(new DicomDestination("DOWN", "127.0.0.1", FreePort.Next()));
        await using var scp = TestScp.Start(move: archive);

        var (_, log) = await DcmtkTools.RunAsync(
            "movescu",
            ["-d", "-S", "-aet", "MOVESCU", "-aec", scp.AeTitle, "-aem", "DOWN", "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "127.0.0.1", scp.Port.ToString()],
            Ct);

        Assert.Contains("Failed Suboperations          : 2", log);
        Assert.Contains("FailedSOPInstanceUIDList", log);
        Assert.All(study.SopInstanceUids, uid => Assert.Contains(uid, log));
    }

    [Fact]
    public async Task DcmtkGetScu_WithOneInstanceGone_GetsTheOthers_AndB000WithTheList()
    {
        using var files = new TempDirectory("qr");
        using var output = new TempDirectory("getscu");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        var goneUid = DicomFile.Open(study.Files[0]).Dataset.GetUid(DicomTag.SOPInstanceUID)!;
        File.Delete(study.Files[0]);

        var (_, log) = await DcmtkTools.RunAsync(
            "getscu",
            ["-d", "-S", "-aet", "GETSCU", "-aec", scp.AeTitle, "-od", output.Path, "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "127.0.0.1", scp.Port.ToString()],
            Ct);

        Assert.Contains("0xb000", log);
        Assert.Contains("Number of Failed Suboperations    : 1", log);
        Assert.Contains("Number of Completed Suboperations : 2", log);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != goneUid).Order(), await InteropAssert.InstanceUidsAsync(Directory.GetFiles(output.Path), Ct));
    }

    [Fact]
    public async Task Move_ToUnknownDestination_IsA801FromOurScp()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 1);
        await using var scp = TestScp.Start(move: new TestArchive(study.Files));
        await using var association = await Client(scp).OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootMove, Uncompressed)], Ct);

        var progress = await association.MoveAsync(DicomNetworkUids.StudyRootMove, "NOWHERE", study.StudyKeys(), Ct).ToListAsync(Ct);

        Assert.Equal(DimseStatus.MoveDestinationUnknown, Assert.Single(progress).Status);
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task CancelRunningFind_SendsCCancel_ProviderStops_AssociationStaysUsable()
    {
        using var files = new TempDirectory("qr");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 1);
        var archive = new TestArchive(study.Files) { MatchDelay = TimeSpan.FromMilliseconds(20), Repeat = 100_000 };
        await using var scp = TestScp.Start(find: archive);
        await using var association = await Client(scp).OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Uncompressed), PresentationContextRequest.Verification()], Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var match in association.FindAsync(DicomNetworkUids.StudyRootFind, study.StudyKeys(), cancel.Token))
            {
                Assert.True(match.Status.IsPending);
                if (++received == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });

        Assert.Equal(3, received);
        Assert.Equal(1, archive.CancelledOperations);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task CancelRunningGet_StopsSubOperations_AssociationStaysUsable()
    {
        using var files = new TempDirectory("qr");
        using var sinkFolder = new TempDirectory("sink");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 40);
        await using var scp = TestScp.Start(get: new TestArchive(study.Files));
        await using var association = await Client(scp).OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, Uncompressed), PresentationContextRequest.Verification(), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], Uncompressed)],
            Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var sink = new SlowSink(new FolderStoreProvider(sinkFolder.Path), after: 3, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), sink, cancel.Token))
            {
            }
        });

        var stored = Directory.GetFiles(sinkFolder.Path, "*.dcm").Length;
        Assert.InRange(stored, 3, 39);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        await association.ReleaseAsync(Ct);
    }

    private static DicomClient Client(TestScp scp) =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = "TESTSCU" });

    /// <summary>Stores through an inner sink and requests cancellation once <c>after</c> instances arrived.</summary>
    private sealed class SlowSink(IDicomStoreProvider inner, int after, CancellationTokenSource cancel) : IDicomStoreProvider
    {
        private int _count;

        public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
        {
            var status = await inner.StoreAsync(instance, cancellationToken);
            if (Interlocked.Increment(ref _count) == after)
            {
                await cancel.CancelAsync();
            }

            return status;
        }
    }
}
