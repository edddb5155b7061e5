using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Retrieval against real peers: an approved request ends as images in the requester's PACS (Orthanc B) pulled from the
/// source's PACS (Orthanc A), reconciled under the local MRN, exactly once, whatever fails on the way.
/// </summary>
public sealed class RetrievalInteropTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private const string LocalIssuer = "NVH-MRN";
    private const string SourceIssuer = "SBR-MRN";
    private const string UnknownSopClass = "1.2.826.0.1.3680043.8.498.777";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Approve_ImportsEveryInstance_UnderTheLocalMrn_WithPixelDataUntouched()
    {
        using var files = new TempDirectory("retrieve");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientName: "Müller^Jürgen", patientId: "SBR-1234");
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-0042", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var sourceIds = await OrthancIdsAsync(source);
        foreach (var (sop, id) in await OrthancIdsAsync(destination))
        {
            var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
            Assert.Equal("MRN-0042", tags.GetProperty("PatientID").GetString());
            Assert.Equal(LocalIssuer, tags.GetProperty("IssuerOfPatientID").GetString());
            Assert.Equal("Müller^Jürgen", tags.GetProperty("PatientName").GetString());
            var other = Assert.Single(tags.GetProperty("OtherPatientIDsSequence").EnumerateArray());
            Assert.Equal("SBR-1234", other.GetProperty("PatientID").GetString());
            Assert.Equal(SourceIssuer, other.GetProperty("IssuerOfPatientID").GetString());
            Assert.Equal(study.StudyInstanceUid, tags.GetProperty("StudyInstanceUID").GetString());
            Assert.Equal(
                await source.Http.GetByteArrayAsync($"instances/{sourceIds[sop]}/content/7fe0-0010", Ct),
                await destination.Http.GetByteArrayAsync($"instances/{id}/content/7fe0-0010", Ct));
        }

        var (job, ledger) = await fixture.DbAsync(async db =>
        {
            var j = await db.RetrievalJobs.Include(x => x.Studies).SingleAsync(x => x.RequestId == request.Id, Ct);
            return (j, await db.ImportedInstances.CountAsync(i => i.JobId == j.Id, Ct));
        });
        Assert.Equal(RetrievalJobState.Succeeded, job.State);
        Assert.Equal(study.SopInstanceUids.Count, ledger);
        Assert.Equal(study.SopInstanceUids.Count, job.DoneInstances);
        Assert.True(job.DoneBytes > 0);
        var progress = Assert.Single(job.Studies);
        Assert.Equal(study.SopInstanceUids.Count, progress.ExpectedInstances);
        Assert.Equal(study.SopInstanceUids.Count, progress.DoneInstances);

        // The worker commits the request's end first, then audits it and tells the requester: wait for the last of these.
        var told = $"Imported {study.SopInstanceUids.Count} images of 1 study for {number}; local patient ID MRN-0042";
        await Poll.UntilAsync(() => fixture.DbAsync(db => db.UserNotifications.AnyAsync(n => n.Link == $"/requests/{number}" && n.Text == told, Ct)),
            TimeSpan.FromSeconds(10));
        var audit = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number).ToListAsync(Ct));
        Assert.Contains(audit, e => e.Type == AuditEventType.BeginTransferring && e.Description.Contains(study.StudyInstanceUid));
        Assert.Contains(audit, e => e.Type == AuditEventType.InstancesTransferred && e.Description.Contains($"{study.SopInstanceUids.Count} of {study.SopInstanceUids.Count} instances imported"));
        // The spool is cleaned once the run is over, just after the request's end is committed.
        var spool = fixture.Services.GetRequiredService<SpoolBudget>().Directory;
        await Poll.UntilAsync(() => Task.FromResult(!Directory.EnumerateFiles(spool, "*", SearchOption.AllDirectories).Any()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WithoutCGet_TheSourceMovesToThePortalsStorageScp()
    {
        using var files = new TempDirectory("retrieve-move");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions
        {
            AeTitle = "SBR_PACS",
            Modalities = [new OrthancModality("portal", "IMAGEPORTAL", fixture.ScpPort)],
        }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-2000", series: 1, imagesPerSeries: 4);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All & ~DicomCapabilities.Get);

        var number = await _steps.FileAndApproveAsync("MRN-2000", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
    }

    [Fact]
    public async Task SourceDown_RetriesThenFails_WithAReadableError_AndAManualRetrySucceedsOnceItIsBack()
    {
        using var files = new TempDirectory("retrieve-down");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-3000", series: 1, imagesPerSeries: 2);
        var deadPort = FreePort.Next();
        await _steps.PointNodeAsync("SBR", "SBR_PACS", deadPort, DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.DicomPort, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-3000", study);
        var failed = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Failed, failed.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == failed.Id, Ct));
        Assert.Equal(RetrievalJobState.Failed, job.State);
        Assert.Equal(3, job.Attempts);
        Assert.Contains($"PACS SBR_PACS at 127.0.0.1:{deadPort} cannot be reached", job.LastError);
        Assert.DoesNotContain("   at ", job.LastError);
        Assert.Contains(failed.Events, e => e.Kind == RequestEventKind.Failed && e.Text!.Contains("cannot be reached"));

        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodeAsync("SBR", "SBR_PACS", source.DicomPort, DicomCapabilities.All);
        var stranger = await fixture.CommandAsync(DemoUsers.ClerkSbr.UserName, new RetryRetrieval(number));
        Assert.Equal(FailureKind.NotFound, stranger.Failure!.Kind);
        var retried = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new RetryRetrieval(number));
        Assert.True(retried.IsSuccess, retried.Failure?.Message);

        var completed = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60), after: RequestStatus.Failed);
        Assert.Equal(RequestStatus.Completed, completed.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
    }

    [Fact]
    public async Task DestinationRefusingASopClass_EndsPartiallyCompleted_NamingTheInstanceAndWhy()
    {
        using var files = new TempDirectory("retrieve-refuse");
        await using var peers = await RefusingDestinationAsync(files, "SBR-4000");
        var (destination, study, odd) = (peers.Destination, peers.Study, peers.Odd);

        var number = await _steps.FileAndApproveAsync("MRN-4000", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.PartiallyCompleted, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var failure = await fixture.DbAsync(db => db.FailedInstances.SingleAsync(f => f.SopInstanceUid == odd.SopInstanceUid, Ct));
        Assert.Contains("NVH_PACS does not accept " + UnknownSopClass, failure.Reason);
        var ended = request.Events.Single(e => e.Kind == RequestEventKind.PartiallyCompleted);
        Assert.Contains("3 imported, 1 failed", ended.Text);
        Assert.Contains(odd.SopInstanceUid, ended.Text);
    }

    [Fact]
    public async Task ADestinationTakingOnlyImplicitVr_GetsTheReconciledInstancesRewrittenInIt_WithPixelDataUntouched()
    {
        using var files = new TempDirectory("retrieve-implicit");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientName: "Müller^Jürgen", patientId: "SBR-4200", series: 1, imagesPerSeries: 3);
        await study.UploadToAsync(source, Ct);
        await using var destination = TestScp.Start(o =>
        {
            o.AeTitle = "NVH_PACS";
            o.StorageTransferSyntaxes = [ImagePortal.Dicom.Network.DicomNetworkUids.ImplicitVrLittleEndian];
        });
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.Port, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-4200", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        var stored = destination.StoredFiles.Select(path => DicomFile.Open(path)).ToList();
        Assert.Equal(study.SopInstanceUids.Order(), stored.Select(f => f.Dataset.GetString(DicomTag.SOPInstanceUID)!).Order());
        var originals = study.Files.Select(path => DicomFile.Open(path)).ToDictionary(f => f.Dataset.GetString(DicomTag.SOPInstanceUID)!);
        foreach (var file in stored)
        {
            var original = originals[file.Dataset.GetString(DicomTag.SOPInstanceUID)!];
            Assert.True(original.TransferSyntax.IsExplicitVR);
            Assert.Equal(ImagePortal.Dicom.Network.DicomNetworkUids.ImplicitVrLittleEndian, file.TransferSyntax.Uid);
            Assert.Equal("MRN-4200", file.Dataset.GetString(DicomTag.PatientID));
            Assert.Equal(LocalIssuer, file.Dataset.GetString(DicomTag.IssuerOfPatientID));
            Assert.Equal("Müller^Jürgen", file.Dataset.GetString(DicomTag.PatientName));
            Assert.Equal(
                ((DicomElement)original.Dataset[DicomTag.PixelData]!).Buffer.GetBytes().ToArray(),
                ((DicomElement)file.Dataset[DicomTag.PixelData]!).Buffer.GetBytes().ToArray());
        }
    }

    [Fact]
    public async Task APartialImport_IsNotRetried_ButANewRequestOnceTheDestinationAcceptsIt_SendsOnlyWhatWasMissing()
    {
        using var files = new TempDirectory("retrieve-partial-again");
        await using var peers = await RefusingDestinationAsync(files, "SBR-4100");
        var (study, odd) = (peers.Study, peers.Odd);
        var first = await _steps.FileAndApproveAsync("MRN-4100", study);
        Assert.Equal(RequestStatus.PartiallyCompleted, (await _steps.WaitForEndAsync(first, TimeSpan.FromSeconds(60))).Status);

        var retried = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new RetryRetrieval(first));
        Assert.Equal(FailureKind.Invalid, retried.Failure!.Kind);
        Assert.Contains("File a new request for the missing images", retried.Failure.Message);

        // The PACS administrator fixes the destination (here: the NVH node now leads to a PACS that takes the SOP class),
        // and the clerk asks again: the ledger skips the three instances imported the first time.
        await using var accepting = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS", UnknownSopClassAccepted = true }, Ct);
        await _steps.PointNodeAsync("NVH", accepting.AeTitle, accepting.DicomPort, DicomCapabilities.All);
        var second = await _steps.FileAndApproveAsync("MRN-4100", study, askedBefore: true);
        var request = await _steps.WaitForEndAsync(second, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal([odd.SopInstanceUid], await accepting.InstanceUidsAsync(Ct));
        var ledger = await fixture.DbAsync(db => db.ImportedInstances
            .Where(i => db.RetrievalJobs.Any(j => j.Id == i.JobId && db.ImageRequests.Any(r => r.Id == j.RequestId && (r.Number == first || r.Number == second))))
            .Select(i => i.SopInstanceUid).ToListAsync(Ct));
        Assert.Equal(study.SopInstanceUids.Append(odd.SopInstanceUid).Order(), ledger.Order());
    }

    [Fact]
    public async Task Cancel_MidTransfer_StopsIt_KeepsWhatWasImported_AndEndsTheRequest()
    {
        using var files = new TempDirectory("retrieve-cancel");

        // Our own SCP as the source: it sends the first instances, then holds the rest back until the test has cancelled,
        // so the cancel lands mid-transfer however fast the machine is.
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5000", series: 1, imagesPerSeries: 20);
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 3);
        await using var source = await _steps.ServeAsync(gated, destination);

        var number = await _steps.FileAndApproveAsync("MRN-5000", study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
        await Poll.UntilAsync(() => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.DoneInstances > 0, Ct)), TimeSpan.FromSeconds(60));
        var cancelled = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new CancelRetrieval(number));
        Assert.True(cancelled.IsSuccess, cancelled.Failure?.Message);
        ImageRequest request;
        try
        {
            request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));
        }
        finally
        {
            gated.Release();
        }

        Assert.Equal(RequestStatus.PartiallyCompleted, request.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == requestId, Ct));
        Assert.Equal(RetrievalJobState.Cancelled, job.State);
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.Where(i => i.JobId == job.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct));
        var stored = await destination.InstanceUidsAsync(Ct);
        Assert.InRange(ledger.Count, 1, study.SopInstanceUids.Count - 1);
        Assert.Empty(ledger.Except(stored));
        Assert.True(stored.Count <= ledger.Count + 1, "at most the instance in flight when the cancel came is stored without its ledger row");
        Assert.Contains("Cancelled after", request.Events.Single(e => e.Kind == RequestEventKind.PartiallyCompleted).Text);
    }

    [Fact]
    public async Task DestinationGoingAwayMidTransfer_CancelsTheRetrieve_RatherThanReceivingTheRestForNobody()
    {
        using var files = new TempDirectory("retrieve-destination-gone");

        // Our own SCP as the source, holding back all but the first instances until the destination is gone.
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5100", series: 1, imagesPerSeries: 60);
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 3);
        await using var source = await _steps.ServeAsync(gated, destination);

        var number = await _steps.FileAndApproveAsync("MRN-5100", study);
        try
        {
            await Poll.UntilAsync(async () => (await destination.InstanceUidsAsync(Ct)).Count == 3, TimeSpan.FromSeconds(60));
        }
        finally
        {
            // Disposing stops the Orthanc process (idempotent: the await using disposes it again at the end).
            await destination.DisposeAsync();
            gated.Release();
        }

        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.NotEqual(RequestStatus.Completed, request.Status);
        // The first C-STORE to the dead destination cancels the C-GET (C-CANCEL): some more instances may be on their way
        // by then (13 once on a loaded CI machine, where the bound was 10 of 20), not the whole rest of the study.
        Assert.InRange(gated.Opened, 4, 30);
    }

    [Fact]
    public async Task AnInstanceOfAnotherStudy_SentByTheSource_IsQuarantined_NotImported_AndRaisedAsASecurityAlert()
    {
        using var files = new TempDirectory("retrieve-foreign");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6000", series: 1, imagesPerSeries: 2);
        var foreign = SyntheticStudy.Write(files.Combine("f"), patientName: "Other^Patient", patientId: "SBR-6999", series: 1, imagesPerSeries: 1);

        // Our own SCP as a misbehaving PACS: its C-FIND answers the approved study, its C-GET also sends a foreign instance.
        var archive = new MisbehavingArchive(new TestArchive(study.Files), new TestArchive(foreign.Files));
        await using var source = await _steps.ServeAsync(archive, destination);

        var number = await _steps.FileAndApproveAsync("MRN-6000", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var quarantined = await fixture.DbAsync(db => db.QuarantinedInstances.SingleAsync(q => q.RequestId == request.Id, Ct));
        Assert.Equal(foreign.SopInstanceUids.Single(), quarantined.SopInstanceUid);
        Assert.Equal(foreign.StudyInstanceUid, quarantined.StudyInstanceUid);
        Assert.Contains("was not approved", quarantined.Reason);
        Assert.True(File.Exists(Path.Combine(fixture.Services.GetRequiredService<SpoolBudget>().QuarantineDirectory, quarantined.FileName)));
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.SecurityAlert && e.Text!.Contains(foreign.SopInstanceUids.Single()));
        var alerts = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number && e.Type == AuditEventType.SecurityAlert).ToListAsync(Ct));
        Assert.Contains(alerts, a => a.Description.Contains("Quarantined instance " + foreign.SopInstanceUids.Single()));
    }

    /// <summary>Answers queries from the approved study, but a retrieve also brings an instance of another study.</summary>
    private sealed class MisbehavingArchive(TestArchive honest, TestArchive foreign) : ImagePortal.Dicom.Network.Server.IDicomFindProvider, ImagePortal.Dicom.Network.Server.IDicomGetProvider
    {
        public IAsyncEnumerable<byte[]> FindAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken) =>
            honest.FindAsync(request, cancellationToken);

        public async Task<IReadOnlyList<ImagePortal.Dicom.Network.Server.RetrieveInstance>> ResolveAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken)
        {
            var all = new ImagePortal.Dicom.Network.Server.QueryRequest(request.Caller, request.SopClassUid, request.TransferSyntaxUid,
                request.Encode(new DicomDataset().SetString(DicomTag.QueryRetrieveLevel, "STUDY")));
            return [.. await honest.ResolveAsync(request, cancellationToken), .. await foreign.ResolveAsync(all, cancellationToken)];
        }
    }

    private static (string Path, string SopInstanceUid) WriteWithSopClass(string template, string path, string sopClass)
    {
        var file = DicomFile.Open(template);
        var dataset = file.Dataset.Clone();
        var uid = SyntheticStudy.NewUid();
        dataset.SetString(DicomTag.SOPClassUID, sopClass);
        dataset.SetString(DicomTag.SOPInstanceUID, uid);
        DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
        return (path, uid);
    }

    /// <summary>
    /// SBR's PACS holds a 3-image study plus a fourth instance of a SOP class NVH's PACS does not take; the nodes point
    /// at them.
    /// </summary>
    private async Task<RefusingPeers> RefusingDestinationAsync(TempDirectory files, string patientId)
    {
        var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS", UnknownSopClassAccepted = true }, Ct);
        var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var peers = new RefusingPeers(source, destination, SyntheticStudy.Write(files.Combine("s"), patientId: patientId, series: 1, imagesPerSeries: 3), default);
        peers = peers with { Odd = WriteWithSopClass(peers.Study.Files[0], files.Combine("odd.dcm"), UnknownSopClass) };
        await peers.Study.UploadToAsync(source, Ct);
        await source.UploadAsync(await File.ReadAllBytesAsync(peers.Odd.Path, Ct), Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);
        return peers;
    }

    private sealed record RefusingPeers(OrthancPeer Source, OrthancPeer Destination, SyntheticStudy Study, (string Path, string SopInstanceUid) Odd) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Destination.DisposeAsync();
            await Source.DisposeAsync();
        }
    }

    private static async Task<Dictionary<string, string>> OrthancIdsAsync(OrthancPeer orthanc)
    {
        var instances = await orthanc.GetJsonAsync("instances?expand", Ct);
        return instances.EnumerateArray().ToDictionary(
            i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!,
            i => i.GetProperty("ID").GetString()!);
    }
}
