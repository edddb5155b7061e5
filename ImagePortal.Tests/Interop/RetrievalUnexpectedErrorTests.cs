using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Whatever happens inside a job ends as a recorded attempt with a readable error, its lease released; with no attempt
/// left the request ends Failed. (An exception the runner did not expect used to leave the job leased and taken again
/// after every lease expiry, forever, and the request "Retrieving" with 0 attempts and no error.)
/// </summary>
public sealed class RetrievalUnexpectedErrorTests(FaultyStartFixture fixture) : IClassFixture<FaultyStartFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUnexpectedErrorInAJob_EndsTheAttemptWithAReadableError_AndTheLastAttemptFailsTheRequest()
    {
        using var files = new TempDirectory("retrieve-unexpected");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8300", series: 1, imagesPerSeries: 2);
        await using var source = await _steps.ServeAsync(new TestArchive(study.Files), destination);

        var number = await _steps.FileAndApproveAsync("NVH-8300", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(30));

        Assert.Equal(RequestStatus.Failed, request.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal((RetrievalJobState.Failed, 1, null), (job.State, job.Attempts, job.LeaseOwner));
        Assert.Equal(
            "Gave up after 1 attempt(s): The retrieval stopped on an unexpected error (InvalidOperationException: The page notifier is broken.).",
            job.LastError);
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.Failed && e.Text!.Contains("unexpected error"));
        Assert.Empty(await destination.InstanceUidsAsync(Ct));
    }
}
