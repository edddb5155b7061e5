using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using ImagePortal.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Retrieval workers as their own processes: the same application started with <c>Portal:Role=worker</c> as separate
/// processes on one database. A worker process killed mid-transfer loses its lease; a second one resumes, and the
/// destination ends with every instance once.
/// </summary>
public abstract class WorkerProcessTestsBase(SharedDatabaseFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWorkerProcessKilledMidTransfer_IsReplacedByAnother_NothingMissingNothingTwice()
    {
        using var files = new TempDirectory("worker-kill");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-7000", series: 2, imagesPerSeries: 75, rows: 128, columns: 128);

        // Our own SCP as the source: every retrieve sends its first instances, then waits until the test opens the gate,
        // so the first worker is surely killed mid-transfer, however fast or loaded the machine is.
        var gated = new GatedArchive(new TestArchive(study.Files), sendFreely: 10);
        await using var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: gated, get: gated);
        await fixture.PointNodeAsync("SBR", "SBR_PACS", source.Port);
        await fixture.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort);

        await using var first = fixture.StartWorker("first");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var number = await FileAndApproveAsync("MRN-7000", study);
        var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
        await PollAsync(() => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.RequestId == requestId && j.DoneInstances > 0, Ct)), TimeSpan.FromSeconds(60), first);
        var leased = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == requestId, Ct));
        Assert.True(leased.LeaseOwner?.Contains($"/{first.Id}/") == true,
            $"Job {leased.State}, attempts {leased.Attempts}, {leased.DoneInstances} done, lease {leased.LeaseOwner ?? "none"}, error {leased.LastError}; worker: {first.Output}");

        TestContext.Current.TestOutputHelper?.WriteLine($"first worker imports at {clock.Elapsed}");
        await first.DisposeAsync();
        gated.Release();
        var doneWhenKilled = await fixture.DbAsync(db => db.ImportedInstances.CountAsync(i => db.RetrievalJobs.Any(j => j.Id == i.JobId && j.RequestId == requestId), Ct));
        Assert.InRange(doneWhenKilled, 0, study.SopInstanceUids.Count - 1);

        await using var second = fixture.StartWorker("second");
        await PollAsync(async () => await fixture.DbAsync(db => db.ImageRequests.AnyAsync(r => r.Id == requestId && r.Status == RequestStatus.Completed, Ct)), TimeSpan.FromSeconds(90), second);

        TestContext.Current.TestOutputHelper?.WriteLine($"second worker done at {clock.Elapsed}");
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == requestId, Ct));
        Assert.Equal(RetrievalJobState.Succeeded, job.State);
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.Where(i => i.JobId == job.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct));
        Assert.Equal(study.SopInstanceUids.Order(), ledger.Order());
        var stored = await destination.InstanceUidsAsync(Ct);
        Assert.Equal(study.SopInstanceUids.Order(), stored.Order());
        var statistics = await destination.GetJsonAsync("statistics", Ct);
        Assert.Equal(study.SopInstanceUids.Count, statistics.GetProperty("CountInstances").GetInt32());

        // The second worker seals the transfer's audit event right after the commit that completed the request.
        await Poll.UntilAsync(() => fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == ImagePortal.Domain.Audit.AuditEventType.InstancesTransferred, Ct)),
            TimeSpan.FromSeconds(10), () => Task.FromResult($"No \"instances transferred\" event was sealed; worker: {second.Output}"));

        // Three processes wrote to one audit trail (this web node and both workers): still one chain, sealed under one key.
        await using var scope = fixture.Services.CreateAsyncScope();
        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Ct);
        Assert.True(verification.IsIntact, verification.Problem);
    }

    /// <summary>
    /// With several nodes: a worker on its own node finishes an import, and the clerk's request list open on this web
    /// node shows it without a reload. The page is played by a subscriber that re-reads the request each time it is
    /// told, as <c>LivePage</c> does; the worker's changes reach it only through the database's change feed.
    /// </summary>
    [Fact]
    public async Task AnImportAWorkerProcessFinishes_ShowsLiveOnThisWebNodesOpenPage()
    {
        using var files = new TempDirectory("worker-live");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-7100", series: 1, imagesPerSeries: 3, rows: 64, columns: 64);
        var archive = new TestArchive(study.Files);
        await using var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: archive, get: archive);
        await using var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS");
        await fixture.PointNodeAsync("SBR", "SBR_PACS", source.Port);
        await fixture.PointNodeAsync("NVH", "NVH_PACS", destination.Port);
        await using var worker = fixture.StartWorker("live");

        var nvh = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "NVH").Select(f => f.Id).SingleAsync(Ct));
        var shown = new System.Collections.Concurrent.ConcurrentQueue<RequestStatus>();
        string? number = null;
        var notifier = fixture.Services.GetRequiredService<ChangeNotifier>();
        await fixture.Services.GetRequiredService<ChangeFeed>().Following.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using var page = notifier.Subscribe(ChangeNotifier.RequestsOf(nvh), async () =>
        {
            if (Volatile.Read(ref number) is { } watched)
            {
                shown.Enqueue(await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == watched).Select(r => r.Status).SingleAsync()));
            }
        });

        Volatile.Write(ref number, await FileAndApproveAsync("MRN-7100", study, "SBR-7100"));
        await PollAsync(async () => shown.Contains(RequestStatus.Completed), TimeSpan.FromSeconds(60), worker);
        Assert.Equal(RequestStatus.Completed, await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Status).SingleAsync(Ct)));
    }

    private async Task<string> FileAndApproveAsync(string localMrn, SyntheticStudy study, string? sourceMrn = null)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Müller", GivenName = "Jürgen", Sex = PatientSex.Male, SourceMrn = sourceMrn, LocalMrn = localMrn,
            Modalities = ["CT"], ClinicalReason = "Compare", Priority = RequestPriority.Urgent,
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, seen.Value!.Version,
            [new ApprovedStudy(study.StudyInstanceUid, null, "CT", null, null, study.SopInstanceUids.Count, study.Patient)]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
        return number;
    }

    private static async Task PollAsync(Func<Task<bool>> done, TimeSpan timeout, PeerProcess worker)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (worker.HasExited)
            {
                Assert.Fail($"The worker process exited ({worker.ExitCode}):\n{worker.Output}");
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not done within {timeout}. Worker output:\n{worker.Output}");
            await Task.Delay(100, Ct);
        }
    }
}

/// <summary>Worker processes on one SQLite file, the embedded default.</summary>
public sealed class WorkerProcessTests(SharedDatabaseFixture fixture) : WorkerProcessTestsBase(fixture), IClassFixture<SharedDatabaseFixture>;

/// <summary>Worker processes on one PostgreSQL database, as the nodes of a multi-node installation share it.</summary>
public sealed class WorkerProcessOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : WorkerProcessTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
