using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace ImagePortal.Infrastructure.Reports;

/// <summary>
/// Keeps <see cref="ReportFigure"/> rows equal to the history they summarize, in the same transaction as each change.
/// </summary>
/// <remarks>
/// <para>
/// Why in the same transaction rather than a worker following a watermark: the figures are then exactly right at every
/// commit, with no lag to explain and no watermark to get wrong across nodes, and the proof is local. Every figure is a
/// function of one request's own columns (<see cref="FiguresOf"/>) or counts ledger rows; every change to either goes
/// through <see cref="ImagePortalDbContext.SaveChangesAsync(bool, CancellationToken)"/> as a tracked entity (nothing
/// updates requests or inserts ledger rows in bulk). So a save adds, per request, the figures of its new state and
/// subtracts those of its original state, and one per ledger row added, before it commits; if the save fails, so does the
/// change to the figures.
/// </para>
/// <para>
/// Two nodes changing requests of the same day and facility pair touch the same rows at once: each change is an atomic
/// <c>UPDATE ... SET Value = Value + @delta</c> (an upsert), never a value read and written back, so neither count is lost
/// (ReportRollupTests).
/// </para>
/// <para>
/// Nodes of a version before the rollup change requests without changing the figures: stop them before the migration
/// ReportRollups is applied, as for any migration; the first node to start then fills the figures from history once.
/// </para>
/// </remarks>
public static class ReportRollup
{
    /// <summary>Rows per upsert statement (seven parameters each; SQL Server takes at most 2,100).</summary>
    private const int RowsPerStatement = 250;

    /// <summary>What one request contributes to the figures, read from its columns only.</summary>
    public sealed record Facts(
        DateTimeOffset CreatedAt, Guid RequestingFacilityId, Guid SourceFacilityId, RequestStatus Status, DenialReason? DenialReason,
        DateTimeOffset DueAt, DateTimeOffset? ClaimedAt, string? DecidedByUserId, DateTimeOffset? DecidedAt, DateTimeOffset? CompletedAt);

    /// <summary>The day a request was filed on, which every figure of it is filed under (UTC).</summary>
    public static DateOnly DayOf(DateTimeOffset createdAt) => DateOnly.FromDateTime(createdAt.UtcDateTime);

    /// <summary>
    /// The figures one request counts in, each once. Times count to the whole microsecond, the precision PostgreSQL keeps:
    /// a save subtracts the figures of what it read back and adds those of what it holds in memory, and the two must land in
    /// the same bucket when nothing changed.
    /// </summary>
    public static IEnumerable<(ReportFigureKind Kind, int Code)> FiguresOf(Facts request)
    {
        yield return (ReportFigureKind.Status, (int)request.Status);
        yield return (ReportFigureKind.Filed, 0);
        if (request is { Status: RequestStatus.Denied, DenialReason: { } reason })
        {
            yield return (ReportFigureKind.Denial, (int)reason);
        }

        var filed = Microseconds(request.CreatedAt);
        var claimed = Microseconds(request.ClaimedAt);
        var decided = request.DecidedByUserId is null ? null : Microseconds(request.DecidedAt);
        if (claimed is not null)
        {
            yield return (ReportFigureKind.FiledToClaimed, DurationBuckets.Of(claimed.Value - filed));
        }

        if (decided is not null)
        {
            yield return (ReportFigureKind.FiledToDecided, DurationBuckets.Of(decided.Value - filed));
            if (claimed is not null)
            {
                yield return (ReportFigureKind.ClaimedToDecided, DurationBuckets.Of(decided.Value - claimed.Value));
            }
        }

        if (Microseconds(request.CompletedAt) is { } completed)
        {
            if (Microseconds(request.DecidedAt) is { } approved)
            {
                yield return (ReportFigureKind.DecidedToImported, DurationBuckets.Of(completed - approved));
            }

            yield return (ReportFigureKind.CompletedByDue, completed <= Microseconds(request.DueAt) ? 1 : 0);
        }
    }

    /// <summary>
    /// Kinds kept by scope rather than by facility pair: the weekly chart and the stage durations are read for the whole
    /// network or one facility, never per pair, and per pair their rows would grow with the requests (a histogram per day
    /// and pair holds about one request per bucket). Each such figure is counted three times: for the network (both
    /// facilities <see cref="Guid.Empty"/>), for the requesting facility (source empty) and for the source (requesting
    /// empty); a facility's scope, "filed by it or asked of it", is the sum of its two rows, which never count the same
    /// request twice since a facility cannot ask itself.
    /// </summary>
    public static bool IsScoped(ReportFigureKind kind) => kind is ReportFigureKind.Filed or >= ReportFigureKind.FiledToClaimed and < ReportFigureKind.RebuildPending;

    /// <summary>The rows one figure of a request filed at <paramref name="createdAt"/> counts in: its day's and its month's.</summary>
    public static IEnumerable<FigureKey> KeysOf(ReportFigureKind kind, int code, DateTimeOffset createdAt, Guid requesting, Guid source)
    {
        var day = DayOf(createdAt);
        var month = new DateOnly(day.Year, day.Month, 1);
        IEnumerable<(Guid, Guid)> where = IsScoped(kind) ? [(Guid.Empty, Guid.Empty), (requesting, Guid.Empty), (Guid.Empty, source)] : [(requesting, source)];
        foreach (var (r, s) in where)
        {
            yield return new FigureKey(ReportGrain.Day, kind, day, r, s, code);
            yield return new FigureKey(ReportGrain.Month, kind, month, r, s, code);
        }
    }

    /// <summary>
    /// The changes a save of <paramref name="db"/>'s tracked entities makes to the figures, by row; empty when it makes none.
    /// Read before the save (afterwards the original values are gone).
    /// </summary>
    public static async Task<Dictionary<FigureKey, long>> CollectAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        if (db.ChangeTracker.AutoDetectChangesEnabled)
        {
            db.ChangeTracker.DetectChanges();
        }

        var deltas = new Dictionary<FigureKey, long>();
        foreach (var entry in db.ChangeTracker.Entries<ImageRequest>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
            {
                Add(deltas, FactsOf(entry, current: false), -1);
            }

            if (entry.State is EntityState.Modified or EntityState.Added)
            {
                Add(deltas, FactsOf(entry, current: true), +1);
            }
        }

        var ledger = db.ChangeTracker.Entries<ImportedInstance>()
            .Where(e => e.State is EntityState.Added or EntityState.Deleted)
            .GroupBy(e => e.Entity.JobId)
            .ToDictionary(g => g.Key, g => (long)g.Sum(e => e.State == EntityState.Added ? 1 : -1));
        if (ledger.Count > 0)
        {
            foreach (var owner in await OwnersAsync(db, ledger.Keys, cancellationToken))
            {
                foreach (var key in KeysOf(ReportFigureKind.Images, 0, owner.CreatedAt, owner.RequestingFacilityId, owner.SourceFacilityId))
                {
                    deltas[key] = deltas.GetValueOrDefault(key) + ledger[owner.JobId];
                }
            }
        }

        foreach (var unchanged in deltas.Where(d => d.Value == 0).Select(d => d.Key).ToList())
        {
            deltas.Remove(unchanged);
        }

        return deltas;
    }

    /// <summary>Adds <paramref name="deltas"/> to the figures, in the caller's transaction, each row atomically.</summary>
    public static async Task ApplyAsync(ImagePortalDbContext db, IReadOnlyDictionary<FigureKey, long> deltas, CancellationToken cancellationToken)
    {
        foreach (var chunk in deltas.Where(d => d.Value != 0).Chunk(RowsPerStatement))
        {
            var args = new List<object>(chunk.Length * 7);
            var rows = new List<string>(chunk.Length);
            foreach (var (key, delta) in chunk)
            {
                var n = args.Count;
                rows.Add($"({{{n}}}, {{{n + 1}}}, {{{n + 2}}}, {{{n + 3}}}, {{{n + 4}}}, {{{n + 5}}}, {{{n + 6}}})");
                args.AddRange([(int)key.Grain, (int)key.Kind, key.DayFiled, key.RequestingFacilityId, key.SourceFacilityId, key.Code, delta]);
            }

            await db.Database.ExecuteSqlRawAsync(UpsertSql(db, string.Join(", ", rows)), args, cancellationToken);
        }
    }

    /// <summary>
    /// Fills the figures from history once, on a database that had requests before the rollup existed: the migration that
    /// added the table left a <see cref="ReportFigureKind.RebuildPending"/> row. The node that deletes that row rebuilds,
    /// in the same transaction (any other waits for it and then finds nothing to do), so running it twice, or on two nodes
    /// at once, counts nothing twice. Runs at start-up before the node takes requests.
    /// </summary>
    /// <returns>True when this call rebuilt the figures.</returns>
    public static async Task<bool> RebuildIfPendingAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            if (await db.ReportFigures.Where(f => f.Kind == ReportFigureKind.RebuildPending).ExecuteDeleteAsync(ct) == 0)
            {
                return false;
            }

            await ReplaceAsync(db, ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    /// <summary>
    /// Computes every figure again from history and replaces them, in one transaction: for a database filled in bulk
    /// without <see cref="ImagePortalDbContext.SaveChangesAsync(bool, CancellationToken)"/> (a benchmark's generator).
    /// Nothing else may write requests or the ledger meanwhile.
    /// </summary>
    public static async Task RebuildAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.ReportFigures.Where(f => f.Kind == ReportFigureKind.RebuildPending).ExecuteDeleteAsync(ct);
            await ReplaceAsync(db, ct);
            await transaction.CommitAsync(ct);
        }, cancellationToken);
    }

    private static async Task ReplaceAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        await db.ReportFigures.ExecuteDeleteAsync(cancellationToken);
        await ApplyAsync(db, await RecountAsync(db, cancellationToken), cancellationToken);
    }

    /// <summary>Every figure, computed from the requests' columns and the ledger (the rebuild's source).</summary>
    public static async Task<Dictionary<FigureKey, long>> RecountAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        var figures = new Dictionary<FigureKey, long>();
        var requests = db.ImageRequests.AsNoTracking().Select(r => new Facts(
            r.CreatedAt, r.RequestingFacilityId, r.SourceFacilityId, r.Status, r.DenialReason, r.DueAt, r.ClaimedAt, r.DecidedByUserId,
            r.DecidedAt, r.CompletedAt));
        await foreach (var request in requests.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            Add(figures, request, +1);
        }

        var images = await db.ImportedInstances.AsNoTracking()
            .GroupBy(i => i.JobId)
            .Select(g => new { JobId = g.Key, Count = g.LongCount() })
            .Join(db.RetrievalJobs, i => i.JobId, j => j.Id, (i, j) => new { i.Count, j.RequestId })
            .Join(db.ImageRequests, x => x.RequestId, r => r.Id, (x, r) => new { x.Count, r.CreatedAt, r.RequestingFacilityId, r.SourceFacilityId })
            .ToListAsync(cancellationToken);
        foreach (var job in images)
        {
            foreach (var key in KeysOf(ReportFigureKind.Images, 0, job.CreatedAt, job.RequestingFacilityId, job.SourceFacilityId))
            {
                figures[key] = figures.GetValueOrDefault(key) + job.Count;
            }
        }

        return figures;
    }

    private static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond));

    private static DateTimeOffset? Microseconds(DateTimeOffset? at) => at is { } value ? Microseconds(value) : null;

    private static void Add(Dictionary<FigureKey, long> figures, Facts request, long sign)
    {
        foreach (var (kind, code) in FiguresOf(request))
        {
            foreach (var key in KeysOf(kind, code, request.CreatedAt, request.RequestingFacilityId, request.SourceFacilityId))
            {
                figures[key] = figures.GetValueOrDefault(key) + sign;
            }
        }
    }

    private static Facts FactsOf(EntityEntry<ImageRequest> entry, bool current)
    {
        T Value<T>(string property) => (T)(current ? entry.Property(property).CurrentValue : entry.Property(property).OriginalValue)!;
        T? Maybe<T>(string property) => (T?)(current ? entry.Property(property).CurrentValue : entry.Property(property).OriginalValue);

        return new Facts(
            Value<DateTimeOffset>(nameof(ImageRequest.CreatedAt)), Value<Guid>(nameof(ImageRequest.RequestingFacilityId)),
            Value<Guid>(nameof(ImageRequest.SourceFacilityId)), Value<RequestStatus>(nameof(ImageRequest.Status)),
            Maybe<DenialReason?>(nameof(ImageRequest.DenialReason)), Value<DateTimeOffset>(nameof(ImageRequest.DueAt)),
            Maybe<DateTimeOffset?>(nameof(ImageRequest.ClaimedAt)), Maybe<string>(nameof(ImageRequest.DecidedByUserId)),
            Maybe<DateTimeOffset?>(nameof(ImageRequest.DecidedAt)), Maybe<DateTimeOffset?>(nameof(ImageRequest.CompletedAt)));
    }

    private sealed record Owner(Guid JobId, DateTimeOffset CreatedAt, Guid RequestingFacilityId, Guid SourceFacilityId);

    /// <summary>The request each job imports for: tracked in this save if it is, else read (a key lookup, in the same transaction).</summary>
    private static async Task<List<Owner>> OwnersAsync(ImagePortalDbContext db, IEnumerable<Guid> jobIds, CancellationToken cancellationToken)
    {
        var jobs = db.ChangeTracker.Entries<RetrievalJob>().ToDictionary(e => e.Entity.Id, e => e.Entity.RequestId);
        var requests = db.ChangeTracker.Entries<ImageRequest>().ToDictionary(e => e.Entity.Id, e => e.Entity);
        var owners = new List<Owner>();
        var unknown = new List<Guid>();
        foreach (var jobId in jobIds)
        {
            if (jobs.TryGetValue(jobId, out var requestId) && requests.TryGetValue(requestId, out var request))
            {
                owners.Add(new Owner(jobId, request.CreatedAt, request.RequestingFacilityId, request.SourceFacilityId));
            }
            else
            {
                unknown.Add(jobId);
            }
        }

        if (unknown.Count > 0)
        {
            owners.AddRange(await db.RetrievalJobs.AsNoTracking()
                .Where(j => unknown.Contains(j.Id))
                .Join(db.ImageRequests, j => j.RequestId, r => r.Id, (j, r) => new Owner(j.Id, r.CreatedAt, r.RequestingFacilityId, r.SourceFacilityId))
                .ToListAsync(cancellationToken));
        }

        return owners;
    }

    private static string UpsertSql(ImagePortalDbContext db, string values) => db switch
    {
        SqlServerImagePortalDbContext =>
            $"""
            MERGE [ReportFigures] WITH (HOLDLOCK) AS t
            USING (VALUES {values}) AS s ([Grain], [Kind], [DayFiled], [RequestingFacilityId], [SourceFacilityId], [Code], [Value])
            ON t.[Grain] = s.[Grain] AND t.[Kind] = s.[Kind] AND t.[DayFiled] = s.[DayFiled] AND t.[RequestingFacilityId] = s.[RequestingFacilityId]
                AND t.[SourceFacilityId] = s.[SourceFacilityId] AND t.[Code] = s.[Code]
            WHEN MATCHED THEN UPDATE SET t.[Value] = t.[Value] + s.[Value]
            WHEN NOT MATCHED THEN INSERT ([Grain], [Kind], [DayFiled], [RequestingFacilityId], [SourceFacilityId], [Code], [Value])
                VALUES (s.[Grain], s.[Kind], s.[DayFiled], s.[RequestingFacilityId], s.[SourceFacilityId], s.[Code], s.[Value]);
            """,
        // SQLite and PostgreSQL share the upsert: https://sqlite.org/lang_upsert.html, INSERT ... ON CONFLICT in PostgreSQL.
        _ =>
            $"""
            INSERT INTO "ReportFigures" ("Grain", "Kind", "DayFiled", "RequestingFacilityId", "SourceFacilityId", "Code", "Value")
            VALUES {values}
            ON CONFLICT ("Grain", "Kind", "DayFiled", "RequestingFacilityId", "SourceFacilityId", "Code")
            DO UPDATE SET "Value" = "ReportFigures"."Value" + excluded."Value"
            """,
    };
}

/// <summary>The row of <see cref="ReportFigure"/> a count belongs to (its primary key).</summary>
public readonly record struct FigureKey(ReportGrain Grain, ReportFigureKind Kind, DateOnly DayFiled, Guid RequestingFacilityId, Guid SourceFacilityId, int Code);
