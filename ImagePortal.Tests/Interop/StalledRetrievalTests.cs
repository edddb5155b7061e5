using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The throughput bench (bench/) once left jobs Running for good: their leases renewed, nothing arriving or stored, no
/// error, the request saying Retrieving. A worker's transfer can stand still where no DIMSE timeout watches (its
/// retrieve waiting on a full queue that nothing stores from, say). Whatever stands still, an attempt in which nothing
/// moves for <c>Retrieval:StallTimeout</c> now ends as a failed attempt with the reason in words, and the retry
/// finishes the job. Shown with a source that stops sending mid-study (before, only the 30-second DIMSE timeout ended
/// that case).
/// </summary>
public sealed class StalledRetrievalTests(StallingRetrievalFixture fixture) : IClassFixture<StallingRetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task ASourceThatStopsSendingMidStudy_EndsTheAttemptAsStalled_AndTheRetryFinishesTheJob() =>
        StallsAndRecoversAsync("MRN-5200", midInstance: false);

    /// <summary>
    /// The same with the source stopping in the middle of an instance's data set (more than a PDU of it received): the
    /// stall's cancel must also end an attempt whose spool is copying an instance (its failure path reads what is left of
    /// the data set), within the stall timeout, not at a later DIMSE timeout or never. Written while looking for the
    /// throughput bench's hung jobs of 2026-12-04; it passes on the code it was written against, so that hang has another
    /// cause (see bench/README.md).
    /// </summary>
    [Fact]
    public Task ASourceThatStopsSendingMidInstance_EndsTheAttemptAsStalled_AndTheRetryFinishesTheJob() =>
        StallsAndRecoversAsync("MRN-5201", midInstance: true);

    /// <summary>
    /// The bench's hung jobs (2026-12-04): a destination that stops answering fills the queue between the retrieve and
    /// the store, the source's next instance waits for room in it, and nothing moves. The stall's cancel stopped the
    /// storing at once, but the C-GET sub-operation waiting for room in the queue was never told (a retrieve being
    /// cancelled keeps serving its sub-operations until the source's final answer, PS3.7 9.3.2.3): it waited for good, the
    /// association unread, the attempt never ended and the job stayed Running with both its slot and its lease.
    /// </summary>
    [Fact]
    public Task ADestinationThatStopsAnswering_WithTheQueueFull_EndsTheAttemptAsStalled_AndTheRetryFinishesTheJob() =>
        DestinationStopsAsync("5202", move: false);

    /// <summary>The same where the source moves to the portal's Storage SCP (Orthanc, C-MOVE): its sub-operation waited for good in the SCP.</summary>
    [Fact]
    public Task ADestinationThatStopsAnswering_WithTheQueueFull_EndsAMovesAttemptAsStalled_AndTheRetryFinishesTheJob() =>
        DestinationStopsAsync("5203", move: true);

    private async Task DestinationStopsAsync(string number, bool move)
    {
        using var files = new TempDirectory("retrieve-stall-destination");
        // More instances than the queue between retrieve and store holds (Retrieval:StoreQueueLength, 32).
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: $"SBR-{number}", series: 1, imagesPerSeries: 48);
        GatedStoreProvider? held = null;
        await using var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS", wrapStore: inner => held = new GatedStoreProvider(inner, storeFreely: 2));
        await using var scp = move ? null : TestScp.Start(o => o.AeTitle = "SBR_PACS", find: new TestArchive(study.Files), get: new TestArchive(study.Files));
        await using var orthanc = move
            ? await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS", Modalities = [new OrthancModality("portal", "IMAGEPORTAL", fixture.ScpPort)] }, Ct)
            : null;
        if (orthanc is not null)
        {
            await study.UploadToAsync(orthanc, Ct);
        }

        await _steps.PointNodeAsync("SBR", "SBR_PACS", orthanc?.DicomPort ?? scp!.Port, move ? DicomCapabilities.All & ~DicomCapabilities.Get : DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);

        var requestNumber = await _steps.FileAndApproveAsync($"MRN-{number}", study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == requestNumber).Select(r => r.Id).SingleAsync(Ct));
        try
        {
            await Poll.UntilAsync(
                () => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.Attempts > 0 && j.LastError != null && j.LastError.Contains("stalled"), Ct)),
                TimeSpan.FromSeconds(20),
                async () => $"The attempt did not end: {await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.RequestId == requestId).Select(j => $"{j.State}, attempts {j.Attempts}, {j.DoneInstances} done, error {j.LastError}").SingleAsync(Ct))}; the destination has had {held!.Received} C-STORE(s)");
        }
        finally
        {
            held!.Release();
        }

        var request = await _steps.WaitForEndAsync(requestNumber, TimeSpan.FromSeconds(60));
        Assert.Equal(RequestStatus.Completed, request.Status);
        // A held C-STORE goes on once released, and the retry stores that instance again: a destination keeps one copy.
        Assert.Equal(study.SopInstanceUids.Order(), (await InteropAssert.InstanceUidsAsync(destination.StoredFiles, Ct)).Distinct().Order());
    }

    private async Task StallsAndRecoversAsync(string mrn, bool midInstance)
    {
        using var files = new TempDirectory("retrieve-stall");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        // With midInstance, slices of 512 KB: more than a PDU of the fourth has come when the source stops.
        var study = midInstance
            ? SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5200", series: 1, imagesPerSeries: 6, rows: 512, columns: 512)
            : SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5200", series: 1, imagesPerSeries: 12);
        // Sends three instances (and with midInstance the first bytes of the fourth), then holds the association open
        // and sends nothing until released.
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 3, midInstance);
        await using var source = await _steps.ServeAsync(gated, destination);

        var number = await _steps.FileAndApproveAsync(mrn, study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
        try
        {
            await Poll.UntilAsync(
                () => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.Attempts > 0 && j.LastError != null && j.LastError.Contains("stalled"), Ct)),
                TimeSpan.FromSeconds(20),
                async () => $"The attempt did not end: {await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.RequestId == requestId).Select(j => $"{j.State}, attempts {j.Attempts}, {j.DoneInstances} done, error {j.LastError}").SingleAsync(Ct))}");
        }
        finally
        {
            gated.Release();
        }

        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == requestId, Ct));
        Assert.Contains("Nothing arrived from the source and nothing was stored in the destination for 2 seconds", job.LastError);

        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
    }
}
