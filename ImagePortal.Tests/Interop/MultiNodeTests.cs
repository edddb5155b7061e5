using System.Diagnostics;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Browser;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The multi-node installation the README describes, for real: two web processes and two worker processes
/// on one PostgreSQL database, a thousand approved requests retrieved from one Orthanc into another. Each job is
/// ended by exactly one worker; a worker killed mid-way loses nothing and doubles nothing (its jobs are taken over
/// when their leases run out); and a clerk's request page open on either web node shows its import finish without a
/// reload, although the import ran in a worker process (the change reaches it through the database's change feed).
/// It keeps both cores busy for a minute or two, so it runs alone (<see cref="AloneCollection"/>).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class MultiNodeTests(PostgreSqlSharedDatabaseFixture fixture) : IClassFixture<PostgreSqlSharedDatabaseFixture>
{
    private const int Jobs = 1000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoWebAndTwoWorkerNodes_AThousandJobsFromOrthancToOrthanc_OneWorkerKilled_NothingLostOrDoubled_PagesLiveOnBothWebNodes()
    {
        var clock = Stopwatch.StartNew();
        var log = new List<string>();
        void Note(string what) => log.Add($"{clock.Elapsed.TotalSeconds,6:0.0} s  {what}");

        using var files = new TempDirectory("multi-node");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var studies = Enumerable.Range(0, Jobs + 2)
            .Select(i => SyntheticStudy.Write(files.Combine($"s{i}"), patientId: "SBR-6000", series: 1, imagesPerSeries: 1))
            .ToList();
        await Parallel.ForEachAsync(studies, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct },
            async (study, ct) => await source.UploadAsync(await File.ReadAllBytesAsync(study.Files.Single(), ct), ct));
        await fixture.PointNodeAsync("SBR", source.AeTitle, source.DicomPort);
        await fixture.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort);
        Note($"{studies.Count} studies in the source Orthanc");

        var workerSettings = new Dictionary<string, string>
        {
            ["Retrieval__Concurrency"] = "2",
            // Renewed well within its duration while the worker lives; runs out soon after it is killed.
            ["Retrieval__LeaseDuration"] = "00:00:06",
            ["Logging__LogLevel__ImagePortal.Infrastructure.Retrieval.RetrievalWorker"] = "Information",
        };
        var workers = new[] { fixture.StartWorker("worker1", workerSettings), fixture.StartWorker("worker2", workerSettings) };
        var webs = new List<(PeerProcess Process, string Url)>();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserFixtureBase.LaunchAsync(playwright);
        try
        {
            webs.Add(await fixture.StartWebAsync("web1", cancellationToken: Ct));
            webs.Add(await fixture.StartWebAsync("web2", cancellationToken: Ct));
            foreach (var worker in workers)
            {
                await worker.WaitUntilAsync(_ => Task.FromResult(worker.Output.Contains("warmed up", StringComparison.Ordinal)), "its retrieval loops", TimeSpan.FromSeconds(60), Ct);
            }

            foreach (var (web, url) in webs)
            {
                using var http = new HttpClient { BaseAddress = new Uri(url) };
                await web.WaitUntilAsync(async ct => (await TryGetAsync(http, "/Account/Login", ct)) == System.Net.HttpStatusCode.OK, "its sign-in page", TimeSpan.FromSeconds(60), Ct);
            }

            Note("2 workers and 2 web nodes up");

            // Two requests whose jobs wait until the clerk's pages show them, one page on each web node.
            var watched = await fixture.DbAsync(db => ApprovedJobs.QueueAsync(db, studies[Jobs..], "REQ-1997-", "NVH-N", Ct, firstNumber: Jobs + 1, due: DateTimeOffset.UtcNow.AddHours(1)));
            var pages = new List<IPage>();
            foreach (var ((_, url), number) in webs.Zip(watched.Keys))
            {
                var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url });
                context.SetDefaultTimeout(30_000);
                var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
                await page.GotoAsync($"/requests/{number}");
                await new Shell(page).WaitUntilInteractiveAsync();
                await Expect(page.GetByTestId("request-status")).ToHaveTextAsync("Approved");
                // Gone if the page were reloaded or left: what it shows at the end it was told, not re-fetched.
                await page.EvaluateAsync("() => window.loadedOnce = true");
                pages.Add(page);
            }

            Note("the clerk's pages open on both web nodes");
            var numbers = await fixture.DbAsync(db => ApprovedJobs.QueueAsync(db, studies[..Jobs], "REQ-1997-", "NVH-N", Ct));
            await fixture.DbAsync(db => db.RetrievalJobs.Where(j => watched.Values.Contains(j.RequestId))
                .ExecuteUpdateAsync(s => s.SetProperty(j => j.NextAttemptAt, DateTimeOffset.UtcNow), Ct));
            foreach (var (number, id) in watched)
            {
                numbers[number] = id;
            }

            Note($"{numbers.Count} jobs queued");

            // A third of the way through, the second worker dies without a word (SIGKILL), jobs in its hands.
            await Poll.UntilAsync(async () => workers.Any(w => w.HasExited) || await FinishedAsync() >= Jobs / 3, TimeSpan.FromSeconds(120),
                async () => $"A third of the jobs did not finish: {await StatesAsync()}{Environment.NewLine}{PeerProcess.Describe(workers)}");
            Assert.True(workers.All(w => !w.HasExited), PeerProcess.Describe(workers));
            var killed = workers[1].Id;
            var inHandsWhenKilled = 0;
            // Jobs of one instance are short: wait for a moment when it holds one.
            await Poll.UntilAsync(async () => (inHandsWhenKilled = await fixture.DbAsync(db => db.RetrievalJobs.CountAsync(
                j => j.FinishedAt == null && j.LeaseOwner != null && j.LeaseOwner.Contains($"/{killed}/"), Ct))) > 0, TimeSpan.FromSeconds(30));
            await workers[1].DisposeAsync();
            Note($"worker {killed} killed with {inHandsWhenKilled} jobs leased, {await FinishedAsync()} finished");

            await Poll.UntilAsync(async () => workers[0].HasExited || await FinishedAsync() == numbers.Count, TimeSpan.FromSeconds(240),
                async () => $"Not every job finished: {await StatesAsync()}{Environment.NewLine}{PeerProcess.Describe(workers)}");
            Assert.False(workers[0].HasExited, PeerProcess.Describe(workers));
            Note("every job finished");

            // Both pages, on their two web nodes, went to Completed by themselves.
            foreach (var page in pages)
            {
                await Expect(page.GetByTestId("request-status")).ToHaveTextAsync("Completed", new() { Timeout = 10_000 });
                Assert.True(await page.EvaluateAsync<bool>("() => window.loadedOnce === true"), "The page was reloaded.");
            }

            Note("both pages show Completed");

            // Every job and request ended well; the ledger and the destination hold each instance once.
            var jobs = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().Where(j => numbers.Values.Contains(j.RequestId)).ToListAsync(Ct));
            Assert.Equal(numbers.Count, jobs.Count);
            Assert.All(jobs, j => Assert.True(j.State == RetrievalJobState.Succeeded && j.LeaseOwner is null, $"{j.State}: {j.LastError}"));
            Assert.Equal(numbers.Count, await fixture.DbAsync(db => db.ImageRequests.CountAsync(r => numbers.Values.Contains(r.Id) && r.Status == RequestStatus.Completed, Ct)));
            var expected = studies.Select(s => s.SopInstanceUids.Single()).Order(StringComparer.Ordinal).ToList();
            var ledger = await fixture.DbAsync(db => db.ImportedInstances.AsNoTracking()
                .Where(i => jobs.Select(j => j.Id).Contains(i.JobId)).Select(i => new { i.JobId, i.SopInstanceUid }).ToListAsync(Ct));
            Assert.Equal(expected, ledger.Select(l => l.SopInstanceUid).Order(StringComparer.Ordinal));
            Assert.Equal(numbers.Count, ledger.Select(l => l.JobId).Distinct().Count());
            var statistics = await destination.GetJsonAsync("statistics", Ct);
            Assert.Equal(numbers.Count, statistics.GetProperty("CountInstances").GetInt32());

            // Each job's end is audited exactly once, under one worker's name, also the end of a job the killed worker
            // committed in the instant before the kill: its events committed with the job's end, and another node sealed
            // them (they were lost before). Only the jobs the killed worker held were begun twice, and both workers ended
            // jobs: the work was shared before the kill.
            await Poll.UntilAsync(async () => await TransfersAsync(AuditEventType.InstancesTransferred) >= numbers.Count, TimeSpan.FromSeconds(30),
                async () => $"{numbers.Count - await TransfersAsync(AuditEventType.InstancesTransferred)} jobs have no end in the audit trail");
            var transfers = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
                .Where(e => e.ObjectReference != null && e.ObjectReference.StartsWith("REQ-1997-") &&
                            (e.Type == AuditEventType.BeginTransferring || e.Type == AuditEventType.InstancesTransferred))
                .Select(e => new { e.ObjectReference, e.Type, e.UserName }).ToListAsync(Ct));
            var runs = transfers.GroupBy(t => t.ObjectReference!).ToList();
            Assert.Equal(numbers.Count, runs.Count);
            Assert.All(runs, run => Assert.True(run.Count(t => t.Type == AuditEventType.InstancesTransferred) == 1,
                $"{run.Key}: {string.Join("; ", run.Select(t => $"{t.Type} by {t.UserName}"))}"));
            Assert.Equal(0, await fixture.DbAsync(db => db.StagedAuditEvents.CountAsync(Ct)));
            var begunTwice = runs.Where(run => run.Count(t => t.Type == AuditEventType.BeginTransferring) > 1).ToList();
            Assert.True(begunTwice.Count <= inHandsWhenKilled + 2, $"{begunTwice.Count} jobs begun more than once; the killed worker held {inHandsWhenKilled}");
            Assert.All(begunTwice, run => Assert.Contains(run, t => t.Type == AuditEventType.BeginTransferring && WorkerNames.ProcessOf(t.UserName) == killed));
            var endedBy = runs.SelectMany(run => run.Where(t => t.Type == AuditEventType.InstancesTransferred)).Select(t => WorkerNames.ProcessOf(t.UserName)).ToHashSet();
            Assert.Equal(new HashSet<int> { workers[0].Id, killed }, endedBy);

            // Four processes and this one appended to the trail side by side; it is still one unbroken chain.
            var verification = await fixture.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Ct);
            Assert.True(verification.IsIntact, $"The audit trail breaks at {verification.BrokenAt}: {verification.Problem}");
            Note("checked");
        }
        finally
        {
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, log));
            foreach (var process in workers.Concat(webs.Select(w => w.Process)))
            {
                await process.DisposeAsync();
            }
        }
    }

    private Task<int> FinishedAsync() => fixture.DbAsync(db => db.RetrievalJobs.CountAsync(j => j.FinishedAt != null, Ct));

    private Task<int> TransfersAsync(AuditEventType type) => fixture.DbAsync(db => db.AuditEvents.CountAsync(
        e => e.Type == type && e.ObjectReference != null && e.ObjectReference.StartsWith("REQ-1997-"), Ct));

    private async Task<string> StatesAsync()
    {
        var states = await fixture.DbAsync(db => db.RetrievalJobs.GroupBy(j => j.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(Ct));
        return string.Join(", ", states.Select(s => $"{s.Count} {s.Key}"));
    }

    private static async Task<System.Net.HttpStatusCode?> TryGetAsync(HttpClient http, string path, CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(path, ct);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
