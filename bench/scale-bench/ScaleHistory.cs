using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
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
public sealed partial class ScaleHistory(
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

    internal sealed record User(string Id, string UserName, Guid? FacilityId);

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

    internal static string Describe(Summary s) => string.Create(CultureInfo.InvariantCulture,
        $"{s.Requests} requests ({string.Join(", ", s.ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}), {s.TimelineEvents} timeline events ({(double)s.TimelineEvents / s.Requests:0.0}/request), {s.LedgerRows} ledger rows ({(double)s.LedgerRows / s.Requests:0.0}/request), {s.AuditEvents} audit events");
}
