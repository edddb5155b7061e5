using System.Collections.Concurrent;
using System.Diagnostics;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Three worker processes on one database and a thousand due jobs at once: each job is leased, run and ended by exactly
/// one worker. The source is our own SCP serving a one-instance study per job, the destination our own SCP counting
/// what it is sent; the jobs are written straight to the database, already approved, once every worker is waiting.
/// It keeps both cores busy for half a minute, so it runs alone, after the parallel tests (<see cref="AloneCollection"/>).
/// </summary>
public abstract class ManyWorkerProcessesTestsBase(SharedDatabaseFixture fixture)
{
    private const int Jobs = 1000;
    private const int Workers = 3;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThreeWorkerProcesses_AndAThousandJobs_EachJobIsRunByExactlyOneWorker_AndEachInstanceArrivesOnce()
    {
        var clock = Stopwatch.StartNew();
        using var files = new TempDirectory("many-workers");
        var studies = Enumerable.Range(0, Jobs)
            .Select(i => SyntheticStudy.Write(files.Combine($"s{i}"), patientId: "SBR-5000", series: 1, imagesPerSeries: 1))
            .ToList();
        var archive = new CountingArchive(new TestArchive(studies.SelectMany(s => s.Files)));
        var received = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await using var source = TestScp.Start(o => Busy(o, "SBR_PACS"), find: archive, get: archive);
        await using var destination = TestScp.Start(o => Busy(o, "NVH_PACS"), wrapStore: store => new CountingStore(store, received));
        await fixture.PointNodeAsync("SBR", source.AeTitle, source.Port);
        await fixture.PointNodeAsync("NVH", destination.AeTitle, destination.Port);
        var prepared = clock.Elapsed;

        var workers = Enumerable.Range(1, Workers).Select(i => fixture.StartWorker($"worker{i}", new Dictionary<string, string>
        {
            ["Retrieval__Concurrency"] = "2",
            // Long enough that no lease runs out while its worker lives: a second run of a job here is a double lease.
            ["Retrieval__LeaseDuration"] = "00:00:30",
            ["Logging__LogLevel__ImagePortal.Infrastructure.Retrieval.RetrievalWorker"] = "Information",
        })).ToList();
        try
        {
            foreach (var worker in workers)
            {
                await worker.WaitUntilAsync(_ => Task.FromResult(worker.Output.Contains("warmed up", StringComparison.Ordinal)), "its retrieval loops", TimeSpan.FromSeconds(45), Ct);
            }

            var ready = clock.Elapsed;
            var numbers = await fixture.DbAsync(db => ApprovedJobs.QueueAsync(db, studies, "REQ-1996-", "NVH-M", Ct));
            var queued = clock.Elapsed;
            await Poll.UntilAsync(
                // The jobs are the only ones in this class's database.
                async () => workers.Any(w => w.HasExited) || await fixture.DbAsync(db => db.RetrievalJobs.CountAsync(j => j.FinishedAt != null, Ct)) == Jobs,
                TimeSpan.FromSeconds(180),
                async () => $"Not every job finished: {await StatesAsync(numbers)}.{Environment.NewLine}{PeerProcess.Describe(workers)}");
            Assert.True(workers.All(w => !w.HasExited), PeerProcess.Describe(workers));
            var ran = clock.Elapsed;
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{Jobs} studies written and served in {prepared.TotalSeconds:0.0} s; {Workers} workers ready after {(ready - prepared).TotalSeconds:0.0} s; " +
                $"jobs queued in {(queued - ready).TotalSeconds:0.0} s, all run in {(ran - queued).TotalSeconds:0.0} s");

            var jobs = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().Where(j => numbers.Values.Contains(j.RequestId)).ToListAsync(Ct));
            // Nothing was done twice: the source was asked once per study, the destination sent each instance once, and
            // the ledger holds one row per job.
            var expected = studies.Select(s => s.SopInstanceUids.Single()).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(studies.Select(s => s.StudyInstanceUid).Order(StringComparer.Ordinal), archive.Retrieved.Keys.Order(StringComparer.Ordinal));
            Assert.All(archive.Retrieved, r => Assert.True(r.Value == 1, $"Study {r.Key} was retrieved {r.Value} times."));
            Assert.Equal(expected, received.Keys.Order(StringComparer.Ordinal));
            Assert.All(received, r => Assert.True(r.Value == 1, $"Instance {r.Key} was stored {r.Value} times."));
            var ledger = await fixture.DbAsync(db => db.ImportedInstances.AsNoTracking()
                .Where(i => jobs.Select(j => j.Id).Contains(i.JobId)).Select(i => new { i.JobId, i.SopInstanceUid }).ToListAsync(Ct));
            Assert.Equal(expected, ledger.Select(l => l.SopInstanceUid).Order(StringComparer.Ordinal));
            Assert.Equal(Jobs, ledger.Select(l => l.JobId).Distinct().Count());

            // Each job began and ended once, under one worker's name, in the audit trail; the work was shared. A worker
            // audits a job's end after committing it, so the last ends may still be on their way when every job reads done.
            await Poll.UntilAsync(
                async () => await fixture.DbAsync(db => db.AuditEvents.CountAsync(
                    e => e.Type == AuditEventType.InstancesTransferred && e.ObjectReference != null && e.ObjectReference.StartsWith("REQ-1996-"), Ct)) >= Jobs,
                TimeSpan.FromSeconds(30));
            var transfers = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
                .Where(e => e.ObjectReference != null && e.ObjectReference.StartsWith("REQ-1996-") &&
                            (e.Type == AuditEventType.BeginTransferring || e.Type == AuditEventType.InstancesTransferred))
                .Select(e => new { e.ObjectReference, e.Type, e.UserName }).ToListAsync(Ct));
            var owners = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var run in transfers.GroupBy(t => t.ObjectReference!))
            {
                Assert.True(run.Count(t => t.Type == AuditEventType.BeginTransferring) == 1 && run.Count(t => t.Type == AuditEventType.InstancesTransferred) == 1,
                    $"{run.Key}: {string.Join("; ", run.Select(t => $"{t.Type} by {t.UserName}"))}{Environment.NewLine}{Mentions(workers, run.Key)}");
                Assert.Single(run.Select(t => t.UserName).Distinct());
                owners[run.Key] = run.First().UserName!;
            }

            Assert.Equal(numbers.Keys.Order(StringComparer.Ordinal), owners.Keys.Order(StringComparer.Ordinal));
            var perProcess = owners.Values.GroupBy(WorkerNames.ProcessOf)
                .ToDictionary(g => g.Key, g => g.Count());
            TestContext.Current.TestOutputHelper?.WriteLine($"Jobs per worker process: {string.Join(", ", perProcess.Select(p => $"{p.Key}: {p.Value}"))}");
            Assert.Subset(workers.Select(w => w.Id).ToHashSet(), perProcess.Keys.ToHashSet());
            Assert.True(perProcess.Count > 1, $"One process ran every job: {string.Join(", ", perProcess)}");

            // Every job and request ended well, at the first attempt.
            Assert.Equal(Jobs, jobs.Count);
            Assert.All(jobs, j => Assert.True(j.State == RetrievalJobState.Succeeded && j.Attempts == 0 && j.LeaseOwner is null, $"{j.State}, attempts {j.Attempts}: {j.LastError}{Environment.NewLine}{Mentions(workers, j.Id.ToString())}"));
            var completed = await fixture.DbAsync(db => db.ImageRequests.CountAsync(r => numbers.Values.Contains(r.Id) && r.Status == RequestStatus.Completed, Ct));
            Assert.Equal(Jobs, completed);

            // Three processes appended to the trail side by side; it is still one unbroken chain.
            var verification = await fixture.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Ct);
            Assert.True(verification.IsIntact, $"The audit trail breaks at {verification.BrokenAt}: {verification.Problem}");
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Every caller is on 127.0.0.1: each of the six worker loops holds up to two associations with the source (its
    /// listing beside its C-GET) and one with the destination, more than the 4 per address an SCP takes by default.
    /// </summary>
    private static void Busy(DicomServerOptions options, string aeTitle)
    {
        options.AeTitle = aeTitle;
        options.MaxConnectionsPerAddress = 32;
        options.MaxAssociations = 32;
    }

    private async Task<string> StatesAsync(Dictionary<string, Guid> numbers)
    {
        var states = await fixture.DbAsync(db => db.RetrievalJobs.Where(j => numbers.Values.Contains(j.RequestId))
            .GroupBy(j => j.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(Ct));
        return string.Join(", ", states.Select(s => $"{s.Count} {s.Key}"));
    }

    /// <summary>The lines of the workers' logs that name <paramref name="what"/>.</summary>
    private static string Mentions(IEnumerable<PeerProcess> workers, string what) =>
        string.Join(Environment.NewLine, workers.SelectMany(w => w.Output.Split('\n').Where(l => l.Contains(what, StringComparison.OrdinalIgnoreCase)).Select(l => $"{w.Id}: {l}")));

    /// <summary>Serves the archive and counts the C-GET retrieves per study.</summary>
    private sealed class CountingArchive(TestArchive archive) : IDicomFindProvider, IDicomGetProvider
    {
        public ConcurrentDictionary<string, int> Retrieved { get; } = new(StringComparer.Ordinal);

        public IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, CancellationToken cancellationToken) => archive.FindAsync(request, cancellationToken);

        public Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
        {
            var study = request.ParseIdentifier().GetString(ImagePortal.Dicom.Data.DicomTag.StudyInstanceUID) ?? string.Empty;
            Retrieved.AddOrUpdate(study, 1, (_, n) => n + 1);
            return archive.ResolveAsync(request, cancellationToken);
        }
    }

    /// <summary>Counts each C-STORE per SOP Instance UID before the folder store takes it.</summary>
    private sealed class CountingStore(IDicomStoreProvider inner, ConcurrentDictionary<string, int> received) : IDicomStoreProvider
    {
        public Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
        {
            received.AddOrUpdate(instance.SopInstanceUid, 1, (_, n) => n + 1);
            return inner.StoreAsync(instance, cancellationToken);
        }
    }
}

/// <summary>Worker processes on one SQLite file, the embedded default.</summary>
[Collection(AloneCollection.Name)]
public sealed class ManyWorkerProcessesTests(SharedDatabaseFixture fixture) : ManyWorkerProcessesTestsBase(fixture), IClassFixture<SharedDatabaseFixture>;

/// <summary>Worker processes on one PostgreSQL database, as the nodes of a multi-node installation share it.</summary>
[Collection(AloneCollection.Name)]
public sealed class ManyWorkerProcessesOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : ManyWorkerProcessesTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
