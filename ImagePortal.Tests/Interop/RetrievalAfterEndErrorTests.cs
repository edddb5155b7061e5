using System.Collections.Concurrent;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>Throws when it is told a request ended (as a database that refuses a write would); records what the requester is told.</summary>
public sealed class BrokenPagesObserver : IRetrievalObserver
{
    public ConcurrentQueue<(string Number, string Text)> Told { get; } = new();

    public Task ProgressAsync(ImageRequest request, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken) =>
        what == RequestEventKind.Completed ? throw new DbUpdateException("The notifier's database is locked.") : Task.CompletedTask;

    public Task NotifyRequesterAsync(ImageRequest request, string text, CancellationToken cancellationToken)
    {
        Told.Enqueue((request.Number, text));
        return Task.CompletedTask;
    }
}

/// <summary>
/// What goes wrong after a job has ended (telling the open pages, the audit trail, the requester's bell) is logged, not
/// taken for a failure of the job: the job stays Succeeded at its first attempt, nothing is "retried", and the steps
/// after the failing one still run. (A refused write there was taken for a failed attempt, logged as "attempt 1 failed,
/// next in 30 s" for a job that had succeeded, and the requester was never told.)
/// </summary>
public sealed class RetrievalAfterEndErrorTests(FaultyEndFixture fixture) : IClassFixture<FaultyEndFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFailureToTellThePagesThatARequestEnded_IsLogged_TheJobStaysSucceeded_AndTheRequesterIsStillTold()
    {
        using var files = new TempDirectory("retrieve-after-end");
        using var log = LogCapture.Attach(fixture.Services);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8400", series: 1, imagesPerSeries: 2);
        await using var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS");
        await using var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: new TestArchive(study.Files), get: new TestArchive(study.Files));
        await _steps.PointNodeAsync("SBR", "SBR_PACS", source.Port, ImagePortal.Domain.Facilities.DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, ImagePortal.Domain.Facilities.DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("NVH-8400", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(30));
        var observer = (BrokenPagesObserver)fixture.Services.GetRequiredService<IRetrievalObserver>();
        await Poll.UntilAsync(() => Task.FromResult(observer.Told.Any(t => t.Number == number)), TimeSpan.FromSeconds(10),
            () => Task.FromResult($"The requester was not told. Log:{Environment.NewLine}{string.Join(Environment.NewLine, log.Entries)}"));

        Assert.Equal(RequestStatus.Completed, request.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal((RetrievalJobState.Succeeded, 0, null), (job.State, job.Attempts, job.LastError));
        Assert.Contains(log.Entries, e => e.Contains("could not tell the open pages", StringComparison.Ordinal) && e.Contains("The notifier's database is locked.", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Contains("attempt 1 failed", StringComparison.Ordinal) || e.Contains("Database failure", StringComparison.Ordinal));
    }
}
