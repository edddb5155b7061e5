using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A source PACS that answers the portal's C-GET or C-MOVE with a warning or a failure (our own SCP over a
/// <see cref="FailingArchive"/>): the request ends partially completed or failed, each instance it lacks is named with
/// the source's status on the request page, and a failure the source does not explain is retried a bounded number of
/// times with backoff. The destination is our own SCP as NVH_PACS; by C-MOVE the source sends to the portal's Storage SCP.
/// </summary>
public sealed class SourceRetrieveStatusTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    /// <summary>Retrieval:MaxAttempts and InitialBackoff of <see cref="RetrievalFixture"/>; the first backoff is at least half of it.</summary>
    private const int MaxAttempts = 3;
    private static readonly TimeSpan ShortestBackoff = TimeSpan.FromMilliseconds(150);

    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OneInstanceTheSourceCannotSend_B000NamingIt_EndsPartiallyCompleted_WithThatInstanceAndWhyOnTheRequestPage_NotRetried(bool cGet)
    {
        using var files = new TempDirectory("source-b000");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: cGet ? "SBR-4101" : "SBR-4102", series: 1, imagesPerSeries: 3);
        var archive = new FailingArchive(new TestArchive(study.Files)) { CannotSend = index => index == 1 };
        await using var peers = await ServeAsync(archive, cGet);

        var number = await _steps.FileAndApproveAsync(cGet ? "NVH-4101" : "NVH-4102", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal((RetrievalJobState.PartiallySucceeded, 0, 2, 1), (job.State, job.Attempts, job.DoneInstances, job.FailedInstances));
        Assert.Single(archive.Retrieves);
        var failed = Assert.Single(await FailedAsync(number));
        var sent = await InteropAssert.InstanceUidsAsync(peers.Destination.StoredFiles, Ct);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != failed.SopInstanceUid).Order(), sent);
        Assert.Contains(failed.SopInstanceUid, study.SopInstanceUids);
        Assert.Equal(study.StudyInstanceUid, failed.StudyInstanceUid);
        Assert.Contains("SBR_PACS", failed.Reason);
        Assert.Contains("could not send it", failed.Reason);
        Assert.Contains("0xB000 (Warning)", failed.Reason);
        Assert.Contains(FailingArchive.Reason, failed.Reason);
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.PartiallyCompleted && e.Text!.Contains("2 imported, 1 failed") && e.Text.Contains(failed.SopInstanceUid));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NoInstanceTheSourceCanSend_A702NamingEach_EndsFailed_WithEveryInstanceAndWhyOnTheRequestPage_NotRetried(bool cGet)
    {
        using var files = new TempDirectory("source-a702");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: cGet ? "SBR-4201" : "SBR-4202", series: 1, imagesPerSeries: 3);
        var archive = new FailingArchive(new TestArchive(study.Files)) { CannotSend = _ => true };
        await using var peers = await ServeAsync(archive, cGet);

        var number = await _steps.FileAndApproveAsync(cGet ? "NVH-4201" : "NVH-4202", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Failed, RetrievalSteps.Timeline(request));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal((RetrievalJobState.Failed, 0, 3), (job.State, job.DoneInstances, job.FailedInstances));
        Assert.Single(archive.Retrieves);
        Assert.Empty(peers.Destination.StoredFiles);
        var failed = await FailedAsync(number);
        Assert.Equal(study.SopInstanceUids.Order(), failed.Select(f => f.SopInstanceUid).Order());
        Assert.All(failed, f => Assert.Contains("0xA702 (Failure)", f.Reason));
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.Failed && e.Text!.Contains("0 imported, 3 failed"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARetrieveTheSourceFailsWithoutNamingInstances_IsTriedMaxAttemptsTimesWithBackoff_ThenFails_NamingEveryInstanceAndTheStatus(bool cGet)
    {
        // By C-GET the source's archive is down (C000 with its message); by C-MOVE it does not know the portal as a
        // destination (A801). Either way it names no instance, so the worker cannot tell what is wrong with which.
        using var files = new TempDirectory("source-c000");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: cGet ? "SBR-4301" : "SBR-4302", series: 1, imagesPerSeries: 2);
        var archive = new FailingArchive(new TestArchive(study.Files)) { RefuseRetrieves = cGet };
        await using var peers = await ServeAsync(archive, cGet, knowsThePortal: false);

        var number = await _steps.FileAndApproveAsync(cGet ? "NVH-4301" : "NVH-4302", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Failed, RetrievalSteps.Timeline(request));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal((RetrievalJobState.Failed, MaxAttempts), (job.State, job.Attempts));
        var status = cGet ? "0xC000 (Failure): simulated: the archive's database is down" : "0xA801 (Failure): Unknown move destination 'IMAGEPORTAL'";
        Assert.Contains($"Gave up after {MaxAttempts} attempt(s)", job.LastError);
        Assert.Contains(status, job.LastError);

        // Asked exactly MaxAttempts times, each after a backoff.
        var asked = archive.Retrieves.ToList();
        Assert.Equal(MaxAttempts, asked.Count);
        Assert.All(asked.Zip(asked.Skip(1)), pair => Assert.True(pair.Second - pair.First >= ShortestBackoff, $"{(pair.Second - pair.First).TotalMilliseconds:0} ms between attempts"));
        Assert.Empty(peers.Destination.StoredFiles);
        var failed = await FailedAsync(number);
        Assert.Equal(study.SopInstanceUids.Order(), failed.Select(f => f.SopInstanceUid).Order());
        Assert.All(failed, f => Assert.Contains($"not delivered by the source (retrieve ended with status {status})", f.Reason));
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.Failed && e.Text!.Contains(status));
    }

    [Fact]
    public async Task TheFailedInstancesOfARequest_AreListedOnlyToThoseWhoMaySeeItsRetrieval_APageAtATime()
    {
        using var files = new TempDirectory("source-list");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-4401", series: 1, imagesPerSeries: 5);
        var archive = new FailingArchive(new TestArchive(study.Files)) { CannotSend = index => index != 0 };
        await using var peers = await ServeAsync(archive, cGet: true);
        var number = await _steps.FileAndApproveAsync("NVH-4401", study);
        await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        var first = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListFailedInstances(number, 0, 3))).Value!;
        var second = (await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListFailedInstances(number, 1, 3))).Value!;

        Assert.Equal((4, 3, 1), (first.TotalCount, first.Items.Count, second.Items.Count));
        Assert.Equal(study.SopInstanceUids.Skip(1).Order(StringComparer.Ordinal), first.Items.Concat(second.Items).Select(f => f.SopInstanceUid));
        Assert.Equal(FailureKind.NotFound, (await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new ListFailedInstances(number, 0, 3))).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await fixture.QueryAsync(DemoUsers.ApproverNvh.UserName, new ListFailedInstances(number, 0, 3))).Failure!.Kind);
        Assert.Equal(FailureKind.Invalid, (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListFailedInstances(number, 0, 1000))).Failure!.Kind);
    }

    /// <summary>The failed instances of the request as its requester's clerk sees them on the request page.</summary>
    private async Task<IReadOnlyList<FailedInstanceRow>> FailedAsync(string number)
    {
        var page = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListFailedInstances(number, 0, 100));
        Assert.True(page.IsSuccess, page.Failure?.Message);
        return page.Value!.Items;
    }

    /// <summary>
    /// SBR's PACS is our SCP over <paramref name="archive"/>, offering C-GET or only C-MOVE (to the portal's Storage SCP,
    /// unless it does not know the portal); NVH's PACS is our SCP storing into a folder.
    /// </summary>
    private async Task<Peers> ServeAsync(FailingArchive archive, bool cGet, bool knowsThePortal = true)
    {
        var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS");
        var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: archive, get: archive, move: archive);
        if (knowsThePortal)
        {
            archive.AddDestination(new DicomDestination("IMAGEPORTAL", "127.0.0.1", fixture.ScpPort));
        }

        await _steps.PointNodeAsync("SBR", "SBR_PACS", source.Port, cGet ? DicomCapabilities.All : DicomCapabilities.All & ~DicomCapabilities.Get);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);
        return new Peers(source, destination);
    }

    private sealed record Peers(TestScp Source, TestScp Destination) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Source.DisposeAsync();
            await Destination.DisposeAsync();
        }
    }
}
