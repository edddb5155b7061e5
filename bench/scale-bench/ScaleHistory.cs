using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Bench.Scale;

/// <summary>
/// A network's history for the scale benchmark (issue 16), written into a portal database that the portal's own
/// migrations and seeder made (the demo network's facilities, agreements and users): requests filed over
/// <see cref="DefaultSpread"/> (or the given spread) and taken through the domain's own transitions (so every invariant of
/// <see cref="ImageRequest"/> holds), retrieval jobs and import ledger rows for what was retrieved, and an audit trail
/// sealed and checkpointed as <c>AuditTrail</c> and <c>AuditCheckpoints</c> write it. Deterministic for a seed.
/// Requests, timelines and jobs go through EF Core in batches (change detection off); the ledger and the audit trail,
/// nine rows in ten, go as prepared INSERTs in one transaction per batch.
/// Also compiled into ImagePortal.Tests (ScaleHistoryTests), which checks a tiny history.
/// </summary>
public sealed class ScaleHistory(
    IDbContextFactory<ImagePortalDbContext> dbFactory, string connectionString, AuditChainKey key, TimeSpan? spread = null, int seed = 16)
{
    /// <summary>The period the history covers by default: two years up to now.</summary>
    public static readonly TimeSpan DefaultSpread = TimeSpan.FromDays(730);

    private const int Batch = 2_000;
    private const int CheckpointEvery = 1_000;

    private static readonly string[] FamilyNames =
        ["Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan", "O'Connor", "O'Neill", "Reilly", "Doyle",
         "McCarthy", "Gallagher", "Doherty", "Kennedy", "Lynch", "Murray", "Quinn", "Moore", "McLoughlin", "Carroll", "Connolly", "Daly"];

    private static readonly string[] GivenNames =
        ["Aoife", "Ciara", "Niamh", "Saoirse", "Sinead", "Sean", "Conor", "Cian", "Darragh", "Eoin", "Padraig", "Mary", "John", "Anne"];

    private static readonly string[] Modalities = ["CT", "MR", "CR", "DX", "MG", "US"];

    private readonly Random _random = new(seed);
    private Dictionary<Guid, Guid> _destinations = [];

    /// <summary>What was written: for the caller's checks and the benchmark's filters.</summary>
    public sealed record Summary(
        int Requests, long TimelineEvents, long LedgerRows, long AuditEvents, IReadOnlyDictionary<RequestStatus, int> ByStatus,
        string SomePatientId, string SomeRequestNumber);

    /// <summary>Writes <paramref name="requests"/> requests and about <paramref name="auditEvents"/> audit events, ending now.</summary>
    public async Task<Summary> GenerateAsync(int requests, long auditEvents, DateTimeOffset now, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var network = await Network.LoadAsync(dbFactory, cancellationToken);
        _destinations = network.Destinations;
        var audit = await AuditWriter.OpenAsync(connectionString, key, cancellationToken);
        var period = spread ?? DefaultSpread;
        var start = now - period;
        var perRequestAudit = (double)auditEvents / requests;
        var byStatus = new Dictionary<RequestStatus, int>();
        var numbers = new Dictionary<int, int>();
        long timeline = 0, ledger = 0;
        string? somePatient = null, someNumber = null;

        for (var first = 0; first < requests; first += Batch)
        {
            var count = Math.Min(Batch, requests - first);
            var made = new List<Made>(count);
            for (var i = 0; i < count; i++)
            {
                // Filed times spread evenly over the period, jittered, in order.
                var slot = (first + i + _random.NextDouble()) / requests;
                var filed = start + (period * slot);
                var year = filed.UtcDateTime.Year;
                numbers[year] = numbers.GetValueOrDefault(year) + 1;
                made.Add(Make(network, $"REQ-{year}-{numbers[year]:000000}", filed, now));
            }

            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                foreach (var m in made)
                {
                    db.ImageRequests.Add(m.Request);
                    if (m.Job is { } job)
                    {
                        db.RetrievalJobs.Add(job.Job);
                        job.Apply(db);
                    }
                }

                await db.SaveChangesAsync(cancellationToken);
            }

            ledger += await WriteLedgerAsync(made, cancellationToken);
            // Sign-ins fill the trail up to its size (spread over the batch's period); the trail is written in time order.
            var entries = made.SelectMany(m => AuditOf(m, network, perRequestAudit)).ToList();
            var share = (long)Math.Round((double)auditEvents * (first + count) / requests) - audit.Written;
            if (entries.Count < share)
            {
                entries.AddRange(SignIns(network, (int)(share - entries.Count), made[0].Filed, Min(made[^1].Filed.AddHours(1), now)));
            }

            await audit.AppendAsync(entries.OrderBy(e => e.At).Take((int)Math.Max(0, share)), cancellationToken);

            foreach (var m in made)
            {
                byStatus[m.Request.Status] = byStatus.GetValueOrDefault(m.Request.Status) + 1;
                timeline += m.Request.Events.Count;
            }

            somePatient ??= made[^1].Request.Patient.LocalMrn;
            someNumber ??= made[made.Count / 2].Request.Number;
            progress?.Invoke($"{first + count} requests, {ledger} ledger rows, {audit.Written} audit events");
        }

        // The ledger went in as raw INSERTs, past SaveChanges, which keeps the report's figures: count them from history once.
        progress?.Invoke("report figures rebuilt from history");
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await ImagePortal.Infrastructure.Reports.ReportRollup.RebuildAsync(db, cancellationToken);
        }

        return new Summary(requests, timeline, ledger, audit.Written, byStatus, somePatient!, someNumber!);
    }

    private sealed record Made(ImageRequest Request, string RequesterId, string? ApproverId, JobWrite? Job, DateTimeOffset Filed);

    /// <summary>A job as the worker leaves it: the state, times and counters <c>RetrievalQueue</c> writes (no public setters).</summary>
    private sealed record JobWrite(RetrievalJob Job, RetrievalJobState State, DateTimeOffset? Started, DateTimeOffset? Finished, int Imported, int Failed, string? Error)
    {
        public void Apply(ImagePortalDbContext db)
        {
            var entry = db.Entry(Job);
            entry.Property(j => j.State).CurrentValue = State;
            entry.Property(j => j.Attempts).CurrentValue = Started is null ? 0 : 1;
            entry.Property(j => j.StartedAt).CurrentValue = Started;
            entry.Property(j => j.FinishedAt).CurrentValue = Finished;
            entry.Property(j => j.ExpectedInstances).CurrentValue = Job.Studies.Sum(s => s.ExpectedInstances);
            entry.Property(j => j.DoneInstances).CurrentValue = Imported;
            entry.Property(j => j.FailedInstances).CurrentValue = Failed;
            entry.Property(j => j.DoneBytes).CurrentValue = Imported * 520_000L;
            entry.Property(j => j.LastError).CurrentValue = Error;
            var left = Imported;
            foreach (var study in Job.Studies)
            {
                var done = Math.Min(left, study.ExpectedInstances);
                left -= done;
                var progress = db.Entry(study);
                progress.Property(s => s.DoneInstances).CurrentValue = done;
                progress.Property(s => s.FailedInstances).CurrentValue = Finished is null ? 0 : study.ExpectedInstances - done;
                progress.Property(s => s.DoneBytes).CurrentValue = done * 520_000L;
                progress.Property(s => s.StartedAt).CurrentValue = Started;
                progress.Property(s => s.FinishedAt).CurrentValue = Finished;
            }
        }
    }

    private Made Make(Network network, string number, DateTimeOffset filed, DateTimeOffset now)
    {
        var pair = network.Pairs[_random.Next(network.Pairs.Count)];
        var clerk = pair.Clerks[_random.Next(pair.Clerks.Count)];
        var priority = _random.Next(10) switch { 0 => RequestPriority.Stat, < 4 => RequestPriority.Urgent, _ => RequestPriority.Routine };
        var due = filed + (priority switch { RequestPriority.Stat => TimeSpan.FromHours(4), RequestPriority.Urgent => TimeSpan.FromHours(24), _ => TimeSpan.FromDays(3) });
        var patient = Patient(pair.Requesting.PatientIdIssuer);
        var modalities = _random.Next(3) == 0 ? [] : new[] { Modalities[_random.Next(Modalities.Length)] };
        var scope = new RequestScope(modalities, null, null, null, null);
        const string reason = "Comparison with prior imaging before follow-up; clinical question in the referral.";
        var age = now - filed;

        if (pair.Direct)
        {
            var request = ImageRequest.RetrieveUnderAgreement(number, pair.Requesting.Id, pair.Source.Id, patient, scope, reason, priority, due, clerk,
                Studies(patient), filed);
            return new Made(request, clerk, null, Retrieve(request, filed, now, age), filed);
        }

        var submitted = ImageRequest.Submit(number, pair.Requesting.Id, pair.Source.Id, patient, scope, reason, priority, due, clerk, filed);
        var approver = pair.Approvers[_random.Next(pair.Approvers.Count)];
        var t = filed;
        DateTimeOffset Step(double minMinutes, double maxMinutes) => t = t.AddMinutes(minMinutes + (_random.NextDouble() * (maxMinutes - minMinutes)));

        // The newest requests are still open in every state a live network shows.
        if (age < TimeSpan.FromDays(4))
        {
            switch (_random.Next(5))
            {
                case 0:
                    break;
                case 1:
                    submitted.Claim(approver, Min(Step(5, 120), now));
                    break;
                case 2:
                    submitted.Claim(approver, Min(Step(5, 120), now));
                    submitted.AskForInformation(approver, "Which clinical question should the prior answer?", Min(Step(1, 30), now));
                    break;
                default:
                    submitted.Claim(approver, Min(Step(5, 60), now));
                    submitted.Approve(approver, Studies(patient), Min(Step(1, 20), now));
                    return new Made(submitted, clerk, approver, Queue(submitted, t, running: _random.Next(2) == 0), filed);
            }

            return new Made(submitted, clerk, approver, null, filed);
        }

        var roll = _random.Next(100);
        if (roll < 5)
        {
            submitted.Cancel(clerk, Step(10, 600));
            return new Made(submitted, clerk, null, null, filed);
        }

        if (roll < 10)
        {
            submitted.Expire(due.AddMinutes(5 + _random.Next(55)));
            return new Made(submitted, clerk, null, null, filed);
        }

        submitted.Claim(approver, Step(5, 240));
        if (roll < 18)
        {
            submitted.AskForInformation(approver, "Which clinical question should the prior answer?", Step(1, 30));
            submitted.Resubmit(clerk, "Staging CT before surgery; the prior is for comparison.", Step(10, 600));
            submitted.Claim(approver, Step(5, 120));
        }

        if (roll < 32)
        {
            var why = (DenialReason)_random.Next(Enum.GetValues<DenialReason>().Length);
            submitted.Deny(approver, why, why == DenialReason.Other ? "The patient withdrew consent for sharing." : null, Step(1, 30));
            return new Made(submitted, clerk, approver, null, filed);
        }

        if (_random.Next(4) == 0)
        {
            submitted.AddComment(approver, "Approving the CT only; the MR is at another site.", Step(1, 10));
        }

        submitted.Approve(approver, Studies(patient), Step(1, 30));
        return new Made(submitted, clerk, approver, Retrieve(submitted, t, now, age), filed);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private JobWrite Queue(ImageRequest request, DateTimeOffset at, bool running)
    {
        var job = RetrievalJob.For(request, at);
        if (!running)
        {
            return new JobWrite(job, RetrievalJobState.Queued, null, null, 0, 0, null);
        }

        request.StartRetrieval(at.AddSeconds(5));
        return new JobWrite(job, RetrievalJobState.Running, at.AddSeconds(5), null, 0, 0, null);
    }

    /// <summary>The worker's run of an approved request: started within minutes, then completed, partly completed or failed.</summary>
    private JobWrite Retrieve(ImageRequest request, DateTimeOffset approved, DateTimeOffset now, TimeSpan age)
    {
        var job = RetrievalJob.For(request, approved);
        var started = approved.AddSeconds(5 + _random.Next(300));
        var finished = started.AddSeconds(20 + _random.Next(1200));
        if (finished >= now)
        {
            return new JobWrite(job, RetrievalJobState.Queued, null, null, 0, 0, null);
        }

        request.StartRetrieval(started);
        var expected = request.Studies.Sum(s => s.ExpectedInstances ?? 0);
        var roll = _random.Next(100);
        if (roll < 4)
        {
            request.FailRetrieval("The source PACS refused the association (C-GET not supported).", finished);
            return new JobWrite(job, RetrievalJobState.Failed, started, finished, 0, expected, "The source PACS refused the association.");
        }

        if (roll < 12)
        {
            var failed = 1 + _random.Next(Math.Max(1, expected / 4));
            var imported = Math.Max(1, expected - failed);
            request.CompleteRetrieval(imported, expected - imported, finished);
            return new JobWrite(job, RetrievalJobState.PartiallySucceeded, started, finished, imported, expected - imported, $"{expected - imported} instances failed");
        }

        request.CompleteRetrieval(expected, 0, finished);
        return new JobWrite(job, RetrievalJobState.Succeeded, started, finished, expected, 0, null);
    }

    private PatientDetails Patient(string issuer)
    {
        var mrn = $"{issuer.Split('-')[0]}{_random.Next(1, 400_000):000000}";
        return new PatientDetails(FamilyNames[_random.Next(FamilyNames.Length)], GivenNames[_random.Next(GivenNames.Length)],
            new DateOnly(1930 + _random.Next(90), 1 + _random.Next(12), 1 + _random.Next(28)), (PatientSex)(1 + _random.Next(2)),
            _random.Next(3) == 0 ? $"S{_random.Next(1, 9_999_999)}" : null, mrn);
    }

    private List<RequestedStudy> Studies(PatientDetails patient)
    {
        var studies = new List<RequestedStudy>();
        var n = _random.Next(3) == 0 ? 2 : 1;
        for (var i = 0; i < n; i++)
        {
            var uid = $"1.2.826.0.1.3680043.10.1016.{1 + _random.Next(int.MaxValue - 1)}.{1 + _random.Next(int.MaxValue - 1)}";
            studies.Add(new RequestedStudy(uid, new DateOnly(2015 + _random.Next(10), 1 + _random.Next(12), 1 + _random.Next(28)),
                Modalities[_random.Next(Modalities.Length)], "Prior imaging", null, 4 + _random.Next(36),
                new SourcePatient(patient.SourceMrn ?? patient.LocalMrn, null, patient.DicomName, patient.BirthDate)));
        }

        return studies;
    }

    /// <summary>One ledger row per imported instance, as the worker writes them after each C-STORE to the destination.</summary>
    private async Task<long> WriteLedgerAsync(List<Made> made, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO ImportedInstances (Id, JobId, DestinationNodeId, StudyInstanceUid, SopInstanceUid, Bytes, ImportedAt)
            VALUES ($id, $job, $node, $study, $sop, $bytes, $at)
            """;
        var p = new[] { "$id", "$job", "$node", "$study", "$sop", "$bytes", "$at" }
            .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
        insert.Prepare();
        long rows = 0;
        foreach (var m in made)
        {
            if (m.Job is not { Imported: > 0 } job)
            {
                continue;
            }

            var node = _destinations[m.Request.RequestingFacilityId];
            var left = job.Imported;
            var at = job.Started!.Value;
            var step = (job.Finished!.Value - at) / Math.Max(1, job.Imported + 1);
            foreach (var study in m.Request.Studies)
            {
                for (var i = 1; i <= study.ExpectedInstances && left > 0; i++, left--)
                {
                    at += step;
                    var row = new ImportedInstance(job.Job.Id, node, study.StudyInstanceUid, $"{study.StudyInstanceUid}.{i}", 520_000, at);
                    p["$id"].Value = row.Id.ToString("D").ToUpperInvariant();
                    p["$job"].Value = row.JobId.ToString("D").ToUpperInvariant();
                    p["$node"].Value = row.DestinationNodeId.ToString("D").ToUpperInvariant();
                    p["$study"].Value = row.StudyInstanceUid;
                    p["$sop"].Value = row.SopInstanceUid;
                    p["$bytes"].Value = row.Bytes;
                    p["$at"].Value = row.ImportedAt.UtcTicks;
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                    rows++;
                }
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

        /// <summary>What the portal audits of one request's life, in the words of FileRequest, RequestChanges, GetRequest and JobRun.</summary>
    private IEnumerable<AuditEntryAt> AuditOf(Made m, Network network, double perRequest)
    {
        var r = m.Request;
        var mrn = r.Patient.LocalMrn;
        var source = network.Codes[r.SourceFacilityId];
        var requester = network.Codes[r.RequestingFacilityId];
        var entries = new List<AuditEntryAt>();
        var previous = RequestStatus.Submitted;
        foreach (var e in r.Events)
        {
            var user = e.UserId is null ? null : network.Users[e.UserId];
            switch (e.Kind)
            {
                case RequestEventKind.Submitted:
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success, user, $"Request {r.Number} filed to {source}", mrn, r.Number));
                    break;
                case RequestEventKind.ApprovedByAgreement:
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Create, AuditOutcome.Success, network.Users[m.RequesterId], $"Request {r.Number} retrieved under agreement from {source}", mrn, r.Number));
                    previous = RequestStatus.Approved;
                    break;
                case RequestEventKind.Comment:
                    break;
                case RequestEventKind.RetrievalStarted:
                    foreach (var s in r.Studies)
                    {
                        entries.Add(new(e.At, AuditEventType.BeginTransferring, AuditAction.Execute, AuditOutcome.Success, null,
                            $"Request {r.Number}: begin transferring study {s.StudyInstanceUid} from {source} to {requester}", mrn, r.Number, "retrieval worker bench"));
                    }

                    previous = RequestStatus.Retrieving;
                    break;
                case RequestEventKind.Completed or RequestEventKind.PartiallyCompleted or RequestEventKind.Failed:
                    foreach (var s in r.Studies)
                    {
                        entries.Add(new(e.At, AuditEventType.InstancesTransferred, AuditAction.Create,
                            e.Kind == RequestEventKind.Completed ? AuditOutcome.Success : AuditOutcome.MinorFailure, null,
                            $"Request {r.Number}: study {s.StudyInstanceUid} from {source} into {requester}_PACS: {e.Text}", mrn, r.Number, "retrieval worker bench"));
                    }

                    break;
                default:
                    var after = StatusAfter(e.Kind, previous);
                    entries.Add(new(e.At, AuditEventType.PatientRecord, AuditAction.Update, AuditOutcome.Success, user,
                        $"Request {r.Number}: {e.Kind} ({ImageRequest.Describe(previous)} to {ImageRequest.Describe(after)})", mrn, r.Number));
                    previous = after;
                    break;
            }
        }

        // Views of the request by the people involved, until the trail's size per request is reached on average.
        var views = perRequest - entries.Count;
        var n = (int)views + (_random.NextDouble() < views - (int)views ? 1 : 0);
        var end = r.Events[^1].At;
        for (var i = 0; i < n; i++)
        {
            var at = m.Filed + ((end - m.Filed + TimeSpan.FromHours(2)) * _random.NextDouble());
            var viewer = network.Users[i % 2 == 0 || m.ApproverId is null ? m.RequesterId : m.ApproverId];
            entries.Add(new(at, AuditEventType.PatientRecord, AuditAction.Read, AuditOutcome.Success, viewer, $"Request {r.Number} viewed", mrn, r.Number));
        }

        return entries;
    }

    private static RequestStatus StatusAfter(RequestEventKind kind, RequestStatus before) => kind switch
    {
        RequestEventKind.Claimed => RequestStatus.Claimed,
        RequestEventKind.Released or RequestEventKind.Resubmitted => RequestStatus.Submitted,
        RequestEventKind.Approved => RequestStatus.Approved,
        RequestEventKind.Denied => RequestStatus.Denied,
        RequestEventKind.InformationRequested => RequestStatus.NeedsInfo,
        RequestEventKind.Cancelled => RequestStatus.Cancelled,
        RequestEventKind.Expired => RequestStatus.Expired,
        _ => before,
    };

    private IEnumerable<AuditEntryAt> SignIns(Network network, int count, DateTimeOffset from, DateTimeOffset to)
    {
        var users = network.Users.Values.ToList();
        for (var i = 0; i < count; i++)
        {
            var user = users[_random.Next(users.Count)];
            yield return new(from + ((to - from) * ((i + 0.5) / count)), AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.Success, user,
                $"{user.UserName} signed in", null, null);
        }
    }

    internal sealed record User(string Id, string UserName, Guid? FacilityId);

    private sealed record AuditEntryAt(
        DateTimeOffset At, AuditEventType Type, AuditAction Action, AuditOutcome Outcome, User? User, string Description, string? PatientId,
        string? ObjectReference, string? WorkerName = null);

    private sealed record Pair(Facility Requesting, Facility Source, bool Direct, IReadOnlyList<string> Clerks, IReadOnlyList<string> Approvers);

    private sealed record Network(IReadOnlyList<Pair> Pairs, IReadOnlyDictionary<Guid, string> Codes, IReadOnlyDictionary<string, User> Users, Dictionary<Guid, Guid> Destinations)
    {
        /// <summary>The seeded network: every agreement whose requesting side has a clerk and whose source, unless the
        /// agreement grants direct retrieval, has an approver.</summary>
        public static async Task<Network> LoadAsync(IDbContextFactory<ImagePortalDbContext> dbFactory, CancellationToken cancellationToken)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var facilities = await db.Facilities.AsNoTracking().ToDictionaryAsync(f => f.Id, cancellationToken);
            var users = await db.Users.AsNoTracking().Select(u => new User(u.Id, u.UserName!, u.FacilityId)).ToListAsync(cancellationToken);
            var roles = await (from ur in db.UserRoles join role in db.Roles on ur.RoleId equals role.Id select new { ur.UserId, role.Name })
                .ToListAsync(cancellationToken);
            List<string> With(Guid facility, string role) =>
                users.Where(u => u.FacilityId == facility && roles.Any(r => r.UserId == u.Id && r.Name == role)).Select(u => u.Id).ToList();
            var pairs = new List<Pair>();
            foreach (var a in await db.Agreements.AsNoTracking().ToListAsync(cancellationToken))
            {
                var direct = a.Type == AgreementType.DirectQueryRetrieve;
                var pair = new Pair(facilities[a.RequestingFacilityId], facilities[a.SourceFacilityId], direct,
                    With(a.RequestingFacilityId, Domain.Common.Roles.Clerk), With(a.SourceFacilityId, Domain.Common.Roles.Approver));
                if (pair.Clerks.Count > 0 && (direct || pair.Approvers.Count > 0))
                {
                    pairs.Add(pair);
                }
            }

            var destinations = await db.DicomNodes.AsNoTracking().Where(n => n.IsImportDestination)
                .ToListAsync(cancellationToken);
            return new Network(pairs, facilities.ToDictionary(f => f.Key, f => f.Value.Code), users.ToDictionary(u => u.Id),
                destinations.GroupBy(n => n.FacilityId).ToDictionary(g => g.Key, g => g.First().Id));
        }
    }

    /// <summary>Appends sealed events after the trail's tail, a checkpoint every 1,000 (AuditOptions.CheckpointEvery).</summary>
    private sealed class AuditWriter
    {
        private readonly string _connectionString;
        private readonly AuditChainKey _key;
        private long _sequence;
        private string _tail;

        private AuditWriter(string connectionString, AuditChainKey key, long sequence, string tail)
        {
            _connectionString = connectionString;
            _key = key;
            _sequence = sequence;
            _tail = tail;
        }

        public long Written { get; private set; }

        public static async Task<AuditWriter> OpenAsync(string connectionString, AuditChainKey key, CancellationToken cancellationToken)
        {
            await using var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var tail = connection.CreateCommand();
            tail.CommandText = "SELECT Sequence, Hash FROM AuditEvents ORDER BY Sequence DESC LIMIT 1";
            await using var reader = await tail.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new AuditWriter(connectionString, key, reader.GetInt64(0), reader.GetString(1))
                : new AuditWriter(connectionString, key, 0, AuditEvent.GenesisHash);
        }

        public async Task AppendAsync(IEnumerable<AuditEntryAt> entries, CancellationToken cancellationToken)
        {
            await using var connection = new SqliteConnection(_connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction();
            await using var insert = connection.CreateCommand();
            insert.CommandText = """
                INSERT INTO AuditEvents (Sequence, Id, At, Type, Action, Outcome, UserId, UserName, FacilityId, Address, PatientId, ObjectReference, Description, PreviousHash, Hash, KeyId)
                VALUES ($seq, $id, $at, $type, $action, $outcome, $userId, $userName, $facility, $address, $patient, $object, $description, $previous, $hash, $key)
                """;
            var p = new[] { "$seq", "$id", "$at", "$type", "$action", "$outcome", "$userId", "$userName", "$facility", "$address", "$patient", "$object", "$description", "$previous", "$hash", "$key" }
                .ToDictionary(n => n, n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }));
            insert.Prepare();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "INSERT INTO AuditCheckpoints (Sequence, Hash, CreatedAt, KeyId, Seal) VALUES ($seq, $hash, $at, $key, $seal)";
            foreach (var entry in entries)
            {
                var e = new AuditEvent(entry.At, entry.Type, entry.Action, entry.Outcome, entry.User?.Id, entry.User?.UserName ?? entry.WorkerName,
                    entry.User?.FacilityId, entry.User is null ? null : "10.20.0." + (1 + (entry.User.UserName.Length * 7 % 200)),
                    entry.PatientId, entry.ObjectReference, entry.Description, _tail, _key);
                _sequence++;
                p["$seq"].Value = _sequence;
                p["$id"].Value = e.Id.ToString("D").ToUpperInvariant();
                p["$at"].Value = e.At.UtcTicks;
                p["$type"].Value = e.Type.ToString();
                p["$action"].Value = e.Action.ToString();
                p["$outcome"].Value = (int)e.Outcome;
                p["$userId"].Value = (object?)e.UserId ?? DBNull.Value;
                p["$userName"].Value = (object?)e.UserName ?? DBNull.Value;
                p["$facility"].Value = e.FacilityId is { } f ? f.ToString("D").ToUpperInvariant() : DBNull.Value;
                p["$address"].Value = (object?)e.Address ?? DBNull.Value;
                p["$patient"].Value = (object?)e.PatientId ?? DBNull.Value;
                p["$object"].Value = (object?)e.ObjectReference ?? DBNull.Value;
                p["$description"].Value = e.Description;
                p["$previous"].Value = e.PreviousHash;
                p["$hash"].Value = e.Hash;
                p["$key"].Value = e.KeyId;
                await insert.ExecuteNonQueryAsync(cancellationToken);
                _tail = e.Hash;
                Written++;
                if (_sequence % CheckpointEvery == 0)
                {
                    var mark = new AuditCheckpoint(_sequence, e.Hash, e.At, _key);
                    checkpoint.Parameters.Clear();
                    checkpoint.Parameters.AddWithValue("$seq", mark.Sequence);
                    checkpoint.Parameters.AddWithValue("$hash", mark.Hash);
                    checkpoint.Parameters.AddWithValue("$at", mark.CreatedAt.UtcTicks);
                    checkpoint.Parameters.AddWithValue("$key", mark.KeyId);
                    checkpoint.Parameters.AddWithValue("$seal", mark.Seal);
                    await checkpoint.ExecuteNonQueryAsync(cancellationToken);
                }
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }

    internal static string Describe(Summary s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.Requests} requests ({string.Join(", ", s.ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}), {s.TimelineEvents} timeline events ({(double)s.TimelineEvents / s.Requests:0.0}/request), {s.LedgerRows} ledger rows ({(double)s.LedgerRows / s.Requests:0.0}/request), {s.AuditEvents} audit events");
}
