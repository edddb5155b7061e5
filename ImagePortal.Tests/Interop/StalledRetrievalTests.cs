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
    public async Task ASourceThatStopsSendingMidStudy_EndsTheAttemptAsStalled_AndTheRetryFinishesTheJob()
    {
        using var files = new TempDirectory("retrieve-stall");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5200", series: 1, imagesPerSeries: 12);
        // Sends three instances, then holds the association open and sends nothing until released.
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 3);
        await using var source = await _steps.ServeAsync(gated, destination);

        var number = await _steps.FileAndApproveAsync("MRN-5200", study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
        try
        {
            await Poll.UntilAsync(
                () => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.Attempts > 0 && j.LastError != null && j.LastError.Contains("stalled"), Ct)),
                TimeSpan.FromSeconds(60),
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
