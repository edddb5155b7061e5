// The database side of bench/retrieval.sh (issue 6). The portal runs as its own published process; this helper
// approves a request the way an approver's inbox does (the same domain calls, the request and its retrieval job
// saved in one transaction), then watches the request until the portal's worker has finished it, sampling the
// worker process's resident memory as it goes. It prints one line of key=value pairs for the script.
//
//   retrieval-bench <portal.db> <study instance UID> <instances> <worker pid> [timeout seconds]
using System.Diagnostics;
using System.Globalization;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

if (args.Length is < 4 or > 5)
{
    Console.Error.WriteLine("usage: retrieval-bench <portal.db> <study instance UID> <instances> <worker pid> [timeout seconds]");
    return 2;
}

var database = args[0];
var studyUid = args[1];
var instances = int.Parse(args[2], CultureInfo.InvariantCulture);
var workerPid = int.Parse(args[3], CultureInfo.InvariantCulture);
// The Patient ID bench/dicom-net-gen.py writes into every generated study: the approval names the source's patient.
const string GeneratedPatientId = "BENCH-1";
var timeout = TimeSpan.FromSeconds(args.Length == 5 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 600);

var options = new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
    .UseSqlite($"Data Source={database};Default Timeout=30")
    .Options;

Guid requestId;
string number;
await using (var db = new SqliteImagePortalDbContext(options))
{
    var requesting = await db.Facilities.SingleAsync(f => f.Code == "NVH");
    var source = await db.Facilities.SingleAsync(f => f.Code == "SBR");
    var clerk = await db.Users.Where(u => u.UserName == "clerk.nvh").Select(u => u.Id).SingleAsync();
    var approver = await db.Users.Where(u => u.UserName == "approver.sbr").Select(u => u.Id).SingleAsync();

    var now = DateTimeOffset.UtcNow;
    var request = ImageRequest.Submit(
        $"REQ-{now.Year}-{Random.Shared.Next(900000, 999999)}", requesting.Id, source.Id,
        new PatientDetails("Benchmark", "Ct", null, PatientSex.Unknown, null, "MRN-BENCH-0300"),
        new RequestScope(["CT"], null, null, null, null), "bench/retrieval.sh", RequestPriority.Routine,
        now.AddDays(1), clerk, now);
    request.Claim(approver, now);
    request.Approve(approver, [new RequestedStudy(studyUid, null, "CT", null, null, instances, new SourcePatient(GeneratedPatientId, null, null, null))], now);
    db.ImageRequests.Add(request);
    db.RetrievalJobs.Add(RetrievalJob.For(request, now));
    await db.SaveChangesAsync();
    requestId = request.Id;
    number = request.Number;
}

// Waiting must cost the measured machine next to nothing (on two cores, an EF Core query every 20 ms and the JIT
// tiering it up took 35-45 % of a core from the worker and the Orthancs during a job): the status is polled with one
// prepared SQLite statement on one open connection; EF Core reads the job's figures once, after the clock stopped.
await using var poll = new SqliteConnection($"Data Source={database};Default Timeout=30");
await poll.OpenAsync();
await using var statusOf = poll.CreateCommand();
statusOf.CommandText = """SELECT "Status" FROM "ImageRequests" WHERE "Number" = $number""";
statusOf.Parameters.AddWithValue("$number", number);
statusOf.Prepare();
string Status() => statusOf.ExecuteScalar() as string ?? throw new InvalidOperationException($"request {number} is gone");
Finished(Status()); // the first run of the loop's code, before the clock starts

// From here the clock runs: approval committed -> the worker (another process) leases the job, retrieves,
// reconciles and imports -> the request is Completed. Polling every 20 ms adds at most that much.
var clock = Stopwatch.StartNew();
var rssBefore = ResidentMegabytes(workerPid);
var cpuBefore = CpuSeconds(workerPid);
var ownCpuBefore = CpuSeconds(Environment.ProcessId);
var rssPeak = rssBefore;
string status;
while (!Finished(status = Status()))
{
    if (clock.Elapsed > timeout)
    {
        Console.WriteLine($"status={status} seconds=timeout error=\"not finished within {timeout.TotalSeconds} s\"");
        return 1;
    }

    rssPeak = Math.Max(rssPeak, ResidentMegabytes(workerPid));
    Thread.Sleep(20);
}

var seconds = clock.Elapsed.TotalSeconds;
var rssAfter = ResidentMegabytes(workerPid);
var cpu = CpuSeconds(workerPid) - cpuBefore;
var ownCpu = CpuSeconds(Environment.ProcessId) - ownCpuBefore;
await using (var db = new SqliteImagePortalDbContext(options))
{
    var job = await db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == requestId);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"status={status} seconds={seconds:F2} imported={job.DoneInstances} failed={job.FailedInstances} bytes={job.DoneBytes} " +
        $"worker_seconds={(job.FinishedAt - job.StartedAt)?.TotalSeconds:F2} rss_before_mb={rssBefore} rss_peak_mb={rssPeak} rss_after_mb={rssAfter} worker_cpu_s={cpu:F2} helper_cpu_s={ownCpu:F2} " +
        $"error=\"{job.LastError}\""));
}

return status == nameof(RequestStatus.Completed) ? 0 : 1;

static bool Finished(string status) =>
    status is nameof(RequestStatus.Completed) or nameof(RequestStatus.PartiallyCompleted) or nameof(RequestStatus.Failed);

// User + system CPU time of the worker process so far, in seconds (/proc/PID/stat fields 14 and 15, at 100 ticks/s).
static double CpuSeconds(int pid)
{
    try
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
    catch (IOException)
    {
        return 0;
    }
}

// VmRSS of the worker process in MB (0 when it is gone).
static long ResidentMegabytes(int pid)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
    catch (IOException)
    {
        return 0;
    }
}
