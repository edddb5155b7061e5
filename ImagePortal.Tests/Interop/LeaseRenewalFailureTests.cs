using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A worker's heartbeat renews its job's lease and watches for a stall. One database failure on a renewal (a locked
/// SQLite file, a fail-over) used to end the heartbeat for good: no more renewals and no more watch, so a transfer that
/// then stood still stayed Running for ever. The heartbeat now tries again on its next tick.
/// </summary>
public sealed class LeaseRenewalFailureTests(LeaseFaultRetrievalFixture fixture) : IClassFixture<LeaseFaultRetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RenewalsThatFail_DoNotEndTheWatch_AStallStillEndsTheAttempt_AndTheRetryFinishesTheJob()
    {
        using var files = new TempDirectory("retrieve-renewal-fault");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5300", series: 1, imagesPerSeries: 12);
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 3);
        await using var source = await _steps.ServeAsync(gated, destination);

        fixture.Fault.Failing = true;
        var number = await _steps.FileAndApproveAsync("MRN-5300", study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
        try
        {
            await Poll.UntilAsync(
                () => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.Attempts > 0 && j.LastError != null && j.LastError.Contains("stalled"), Ct)),
                TimeSpan.FromSeconds(20),
                async () => $"The attempt did not end: {await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.RequestId == requestId).Select(j => $"{j.State}, attempts {j.Attempts}, error {j.LastError}").SingleAsync(Ct))}; {fixture.Fault.Hits} renewal(s) refused");
        }
        finally
        {
            fixture.Fault.Failing = false;
            gated.Release();
        }

        Assert.True(fixture.Fault.Hits > 0, "No renewal was refused: the fault no longer recognizes the heartbeat's update.");
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
    }
}
