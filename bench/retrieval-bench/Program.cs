// The database side of bench/retrieval.sh (issues 6 and 16). The portal runs as its own published process(es); this
// helper approves requests the way an approver's inbox does (the same domain calls, each request and its retrieval job
// saved, all of them in one transaction), then watches the requests until the portal's workers have finished them all,
// sampling each worker process's resident memory as it goes. It prints one line of key=value pairs for the script
// (per-worker figures as comma-separated lists, in the order of the pids given).
//
//   retrieval-bench <portal.db> <study instance UID>[,<UID>...] <instances per study> <worker pid>[,<pid>...] [timeout seconds]
//
// One UID: one request, as retrieval.sh's single-study mode times it. Several: one request per study, approved at once,
// the clock running from their commit to the last one finished (retrieval.sh --studies N).
using System.Diagnostics;
using System.Globalization;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine("usage: retrieval-bench <portal.db> <study UID>[,<UID>...] <instances per study> <worker pid>[,<pid>...] [timeout seconds]");
    return 2;
}

var database = args[0];
var studyUids = args[1].Split(',', StringSplitOptions.RemoveEmptyEntries);
var instances = int.Parse(args[2], CultureInfo.InvariantCulture);
var workerPids = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
// The Patient ID bench/dicom-net-gen.py writes into every generated study: the approval names the source's patient.
const string GeneratedPatientId = "BENCH-1";
var timeout = TimeSpan.FromSeconds(args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 600);

var options = new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
    .UseSqlite($"Data Source={database};Default Timeout=30")
    .Options;

// Request numbers: one random block, so that a database reused by a second run (the warm job) never repeats one.
var firstNumber = Random.Shared.Next(100000, 999999 - studyUids.Length);
var year = DateTimeOffset.UtcNow.Year;
var numbers = studyUids.Select((_, i) => $"REQ-{year}-{firstNumber + i}").ToArray();

// Waiting must cost the measured machine next to nothing (on two cores, an EF Core query every 20 ms and the JIT
// tiering it up took 35-45 % of a core from the worker and the Orthancs during a job): the requests still open are
// counted with one prepared SQLite statement on one open connection, opened and prepared before the approvals commit;
// EF Core reads the jobs' figures once, after the clock stopped.
await using var poll = new SqliteConnection($"Data Source={database};Default Timeout=30");
await poll.OpenAsync();
await using var openCount = poll.CreateCommand();
openCount.CommandText = $"""
    SELECT COUNT(*) FROM "ImageRequests"
    WHERE "Number" IN ({string.Join(", ", numbers.Select((_, i) => $"$n{i}"))})
      AND "Status" NOT IN ('{nameof(RequestStatus.Completed)}', '{nameof(RequestStatus.PartiallyCompleted)}', '{nameof(RequestStatus.Failed)}')
    """;
for (var i = 0; i < numbers.Length; i++)
{
    openCount.Parameters.AddWithValue($"$n{i}", numbers[i]);
}

openCount.Prepare();
long Open() => (long)openCount.ExecuteScalar()!;
_ = Open(); // the first run of the loop's code, before the clock starts

var requestIds = new List<Guid>();
Stopwatch clock;
await using (var db = new SqliteImagePortalDbContext(options))
{
    var requesting = await db.Facilities.SingleAsync(f => f.Code == "NVH");
    var source = await db.Facilities.SingleAsync(f => f.Code == "SBR");
    var clerk = await db.Users.Where(u => u.UserName == "clerk.nvh").Select(u => u.Id).SingleAsync();
    var approver = await db.Users.Where(u => u.UserName == "approver.sbr").Select(u => u.Id).SingleAsync();

    var now = DateTimeOffset.UtcNow;
    for (var i = 0; i < studyUids.Length; i++)
    {
        var request = ImageRequest.Submit(
            numbers[i], requesting.Id, source.Id,
            new PatientDetails("Benchmark", "Ct", null, PatientSex.Unknown, null, "MRN-BENCH-0300"),
            new RequestScope(["CT"], null, null, null, null), "bench/retrieval.sh", RequestPriority.Routine,
            now.AddDays(1), clerk, now);
        request.Claim(approver, now);
        request.Approve(approver, [new RequestedStudy(studyUids[i], null, "CT", null, null, instances, new SourcePatient(GeneratedPatientId, null, null, null))], now);
        db.ImageRequests.Add(request);
        db.RetrievalJobs.Add(RetrievalJob.For(request, now));
        requestIds.Add(request.Id);
    }

    // From the commit on the clock runs: the workers (other processes) lease the jobs, retrieve, reconcile and
    // import -> every request is Completed. Polling every 20 ms adds at most that much. The commit is explicit, so
    // that the clock starts at it rather than after SaveChanges' bookkeeping (up to 0.2 s on a loaded machine, during
    // which a worker had already leased a job).
    await using var transaction = await db.Database.BeginTransactionAsync();
    await db.SaveChangesAsync();
    await transaction.CommitAsync();
    clock = Stopwatch.StartNew();
}

var approvedAt = DateTimeOffset.UtcNow - clock.Elapsed;
var rssBefore = workerPids.Select(Machine.ResidentMegabytes).ToArray();
var cpuBefore = workerPids.Select(Machine.CpuSeconds).ToArray();
var ownCpuBefore = Machine.CpuSeconds(Environment.ProcessId);
var rssPeak = rssBefore.ToArray();
long open;
while ((open = Open()) > 0)
{
    if (clock.Elapsed > timeout)
    {
        Console.WriteLine($"status=open:{open} seconds=timeout error=\"{open} of {numbers.Length} not finished within {timeout.TotalSeconds} s\"");
        return 1;
    }

    for (var w = 0; w < workerPids.Length; w++)
    {
        rssPeak[w] = Math.Max(rssPeak[w], Machine.ResidentMegabytes(workerPids[w]));
    }

    Thread.Sleep(20);
}

var seconds = clock.Elapsed.TotalSeconds;
var rssAfter = workerPids.Select(Machine.ResidentMegabytes).ToArray();
var cpu = workerPids.Select((pid, w) => Machine.CpuSeconds(pid) - cpuBefore[w]).ToArray();
var ownCpu = Machine.CpuSeconds(Environment.ProcessId) - ownCpuBefore;
await using (var db = new SqliteImagePortalDbContext(options))
{
    var statuses = await db.ImageRequests.AsNoTracking().Where(r => requestIds.Contains(r.Id)).Select(r => r.Status).ToListAsync();
    var jobs = await db.RetrievalJobs.AsNoTracking().Where(j => requestIds.Contains(j.RequestId)).ToListAsync();
    var status = statuses.Distinct().Count() == 1 ? statuses[0].ToString() : string.Join("/", statuses.GroupBy(s => s).Select(g => $"{g.Key}:{g.Count()}"));
    var durations = jobs.Where(j => j.StartedAt is not null && j.FinishedAt is not null).Select(j => (j.FinishedAt!.Value - j.StartedAt!.Value).TotalSeconds).ToList();
    var span = jobs.Max(j => j.FinishedAt) - jobs.Min(j => j.StartedAt);
    var firstStart = jobs.Min(j => j.StartedAt) - approvedAt;
    string List<T>(IEnumerable<T> values, string format = "") => string.Join(",", values.Select(v => string.Format(CultureInfo.InvariantCulture, $"{{0{format}}}", v)));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"status={status} seconds={seconds:F2} requests={jobs.Count} imported={jobs.Sum(j => j.DoneInstances)} failed={jobs.Sum(j => j.FailedInstances)} bytes={jobs.Sum(j => j.DoneBytes)} " +
        $"worker_seconds={span?.TotalSeconds:F2} first_start_s={firstStart?.TotalSeconds:F2} job_s_min={(durations.Count > 0 ? durations.Min() : 0):F2} job_s_max={(durations.Count > 0 ? durations.Max() : 0):F2} " +
        $"rss_before_mb={List(rssBefore)} rss_peak_mb={List(rssPeak)} rss_after_mb={List(rssAfter)} worker_cpu_s={List(cpu, ":F2")} helper_cpu_s={ownCpu:F2} " +
        $"error=\"{string.Join("; ", jobs.Select(j => j.LastError).Where(e => e is not null).Distinct())}\""));
    return statuses.All(s => s == RequestStatus.Completed) ? 0 : 1;
}
