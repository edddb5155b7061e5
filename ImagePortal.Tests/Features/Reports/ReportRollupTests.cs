using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Reports;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Reports;

/// <summary>
/// The report's figures (<see cref="ReportFigure"/>) stay equal to the history they summarize: after every kind of change,
/// when two saves touch the same row at once, and after the one-time rebuild an existing database gets.
/// </summary>
public abstract class ReportRollupTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheFigures_EqualARecountFromHistory_AfterAMixedWorkflow()
    {
        var approver = DemoUsers.ApproverSbr.UserName;
        var clerk = DemoUsers.ClerkNvh.UserName;
        var completed = await FileAsync(fixture, clerk, "SBR", "ROLL-1");
        await ApproveAndCompleteAsync(fixture, approver, completed, 12, "1.2.826.0.1.3680043.8.498.601");
        var partial = await FileAsync(fixture, clerk, "SBR", "ROLL-2");
        await ApproveAndCompleteAsync(fixture, approver, partial, 10, "1.2.826.0.1.3680043.8.498.602", imported: 7);
        await DenyAsync(fixture, approver, await FileAsync(fixture, clerk, "SBR", "ROLL-3"), DenialReason.ConsentMissing);
        await DenyAsync(fixture, approver, await FileAsync(fixture, clerk, "SBR", "ROLL-4"), DenialReason.PatientNotFound);
        await ClaimAsync(fixture, approver, await FileAsync(fixture, clerk, "SBR", "ROLL-5"));
        await FileAsync(fixture, DemoUsers.ClerkSbr.UserName, "NVH", "ROLL-6");

        // Expired unanswered after a claim and a release; cancelled; sent back, answered, approved, and its import failed.
        var expired = await FileAsync(fixture, clerk, "SBR", "ROLL-7");
        await ChangeAsync(expired, r => r.Claim("approver-x", DateTimeOffset.UtcNow));
        await ChangeAsync(expired, r => r.Release("approver-x", DateTimeOffset.UtcNow));
        await ChangeAsync(expired, r => r.Expire(r.DueAt.AddMinutes(1)));
        await ChangeAsync(await FileAsync(fixture, clerk, "SBR", "ROLL-8"), r => r.Cancel("clerk-x", DateTimeOffset.UtcNow));
        var failed = await FileAsync(fixture, clerk, "SBR", "ROLL-9");
        await ChangeAsync(failed, r => r.Claim("approver-y", DateTimeOffset.UtcNow));
        await ChangeAsync(failed, r => r.AskForInformation("approver-y", "Which study?", DateTimeOffset.UtcNow.AddMinutes(5)));
        await ChangeAsync(failed, r => r.Resubmit("clerk-y", "The chest CT.", DateTimeOffset.UtcNow.AddHours(1)));
        await ChangeAsync(failed, r => r.Claim("approver-z", DateTimeOffset.UtcNow.AddHours(2)));
        await ChangeAsync(failed, r => r.Approve("approver-z", [new RequestedStudy("1.2.3.9", null, "CT", null, null, 1, new SourcePatient("X", null, null, null))],
            DateTimeOffset.UtcNow.AddHours(3)));
        await ChangeAsync(failed, r => r.StartRetrieval(DateTimeOffset.UtcNow.AddHours(3)));
        await ChangeAsync(failed, r => r.FailRetrieval("The source refused the move.", DateTimeOffset.UtcNow.AddHours(4)));

        var (stored, recounted, fromHistory) = await FiguresAsync();

        Assert.Equal(fromHistory, stored);
        Assert.Equal(fromHistory, recounted);
        Assert.Contains(stored, f => f.Key.Kind == ReportFigureKind.Images && f.Value >= 19);
        Assert.Contains(stored, f => f.Key.Kind == ReportFigureKind.ClaimedToDecided);
        Assert.Contains(stored, f => f.Key is { Kind: ReportFigureKind.Status, Code: (int)RequestStatus.Expired });
    }

    [Fact]
    public async Task TwoSavesChangingTheSameFigureAtOnce_LoseNoCount()
    {
        var clerk = DemoUsers.ClerkNvh.UserName;
        var first = await FileAsync(fixture, clerk, "SBR", "RACE-1");
        var second = await FileAsync(fixture, clerk, "SBR", "RACE-2");
        var before = await ClaimedTodayAsync();
        await using var scope = fixture.Services.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();
        await using var one = await factory.CreateDbContextAsync(Cancel);
        await using var two = await factory.CreateDbContextAsync(Cancel);
        (await one.ImageRequests.SingleAsync(r => r.Number == first, Cancel)).Claim("approver-a", DateTimeOffset.UtcNow);
        (await two.ImageRequests.SingleAsync(r => r.Number == second, Cancel)).Claim("approver-b", DateTimeOffset.UtcNow);

        // The first save holds its change to the (day, pair, Claimed) row uncommitted while the second one runs into it.
        // (In the execution strategy, as the retrieval worker runs its transactions on SQL Server and PostgreSQL.)
        await one.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await one.Database.BeginTransactionAsync(Cancel);
            await one.SaveChangesAsync(Cancel);
            var other = Task.Run(() => two.SaveChangesAsync(Cancel), Cancel);
            await transaction.CommitAsync(Cancel);
            await other;
        });

        Assert.Equal(before + 2, await ClaimedTodayAsync());
        var (stored, _, fromHistory) = await FiguresAsync();
        Assert.Equal(fromHistory, stored);
    }

    [Fact]
    public async Task TheRebuildAMigrationAsksFor_RunsOnce_AndRebuildsLeaveTheFiguresEqualToHistory()
    {
        await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "REBUILD-1");
        await fixture.DbAsync(async db =>
        {
            // What the ReportRollups migration leaves on a database with history; and figures a bug might have left behind.
            db.ReportFigures.Add(new ReportFigure(ReportGrain.Day, ReportFigureKind.RebuildPending, DateOnly.MinValue, Guid.Empty, Guid.Empty, 0, 0));
            db.ReportFigures.Add(new ReportFigure(ReportGrain.Day, ReportFigureKind.Status, new DateOnly(2001, 1, 1), Guid.NewGuid(), Guid.NewGuid(), 0, 5));
            return await db.SaveChangesAsync(Cancel);
        });

        var rebuilt = await fixture.DbAsync(db => ReportRollup.RebuildIfPendingAsync(db, Cancel));
        var again = await fixture.DbAsync(db => ReportRollup.RebuildIfPendingAsync(db, Cancel));

        Assert.Equal((true, false), (rebuilt, again));
        var (stored, _, fromHistory) = await FiguresAsync();
        Assert.Equal(fromHistory, stored);

        // The unconditional rebuild (for a database filled in bulk) leaves them the same.
        await fixture.DbAsync(async db =>
        {
            await ReportRollup.RebuildAsync(db, Cancel);
            return 0;
        });
        Assert.Equal(fromHistory, (await FiguresAsync()).Stored);
    }

    private Task<long> ClaimedTodayAsync()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return fixture.DbAsync(db => db.ReportFigures
            .Where(f => f.Grain == ReportGrain.Day && f.Kind == ReportFigureKind.Status && f.Code == (int)RequestStatus.Claimed && f.DayFiled >= today.AddDays(-1))
            .SumAsync(f => f.Value, Cancel));
    }

    private Task ChangeAsync(string number, Action<ImageRequest> change) => fixture.DbAsync(async db =>
    {
        var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Number == number, Cancel);
        change(request);
        return await db.SaveChangesAsync(Cancel);
    });

    /// <summary>
    /// The figures stored; those the rebuild would compute; and those recomputed here from history: each request's status,
    /// denial reason, due and decision times, its timeline (first claim, end of the import) and the ledger's rows.
    /// </summary>
    private Task<(Dictionary<FigureKey, long> Stored, Dictionary<FigureKey, long> Recounted, Dictionary<FigureKey, long> FromHistory)> FiguresAsync() =>
        fixture.DbAsync(async db =>
        {
            var stored = (await db.ReportFigures.AsNoTracking().Where(f => f.Kind != ReportFigureKind.RebuildPending && f.Value != 0).ToListAsync(Cancel))
                .ToDictionary(f => new FigureKey(f.Grain, f.Kind, f.DayFiled, f.RequestingFacilityId, f.SourceFacilityId, f.Code), f => f.Value);
            var recounted = (await ReportRollup.RecountAsync(db, Cancel)).Where(f => f.Value != 0).ToDictionary();

            var requests = await db.ImageRequests.AsNoTracking()
                .Select(r => new { r.Id, r.CreatedAt, r.RequestingFacilityId, r.SourceFacilityId, r.Status, r.DenialReason, r.DueAt, r.DecidedByUserId, r.DecidedAt })
                .ToListAsync(Cancel);
            var timeline = (await db.RequestEvents.AsNoTracking()
                .Where(e => e.Kind == RequestEventKind.Claimed || e.Kind == RequestEventKind.Completed || e.Kind == RequestEventKind.PartiallyCompleted)
                .Select(e => new { e.RequestId, e.Kind, e.At })
                .ToListAsync(Cancel)).ToLookup(e => e.RequestId);
            var images = (await db.ImportedInstances.AsNoTracking()
                .Join(db.RetrievalJobs, i => i.JobId, j => j.Id, (i, j) => j.RequestId)
                .ToListAsync(Cancel)).CountBy(id => id).ToDictionary();

            var fromHistory = new Dictionary<FigureKey, long>();
            foreach (var r in requests)
            {
                // Each figure in the rows it is kept in: by day and by month, per pair or per scope (ReportRollup.KeysOf).
                void Count(ReportFigureKind kind, int code, long n = 1)
                {
                    foreach (var key in ReportRollup.KeysOf(kind, code, r.CreatedAt, r.RequestingFacilityId, r.SourceFacilityId))
                    {
                        fromHistory[key] = fromHistory.GetValueOrDefault(key) + n;
                    }
                }

                var events = timeline[r.Id].ToList();
                var claimed = events.Where(e => e.Kind == RequestEventKind.Claimed).Select(e => (DateTimeOffset?)Micro(e.At)).Min();
                var completed = r.Status is RequestStatus.Completed or RequestStatus.PartiallyCompleted
                    ? events.Where(e => e.Kind != RequestEventKind.Claimed).Select(e => (DateTimeOffset?)Micro(e.At)).Max()
                    : null;
                Count(ReportFigureKind.Status, (int)r.Status);
                Count(ReportFigureKind.Filed, 0);
                if (r is { Status: RequestStatus.Denied, DenialReason: { } reason })
                {
                    Count(ReportFigureKind.Denial, (int)reason);
                }

                if (claimed is not null)
                {
                    Count(ReportFigureKind.FiledToClaimed, DurationBuckets.Of(claimed.Value - Micro(r.CreatedAt)));
                }

                if (r is { DecidedByUserId: not null, DecidedAt: { } decided })
                {
                    Count(ReportFigureKind.FiledToDecided, DurationBuckets.Of(Micro(decided) - Micro(r.CreatedAt)));
                    if (claimed is not null)
                    {
                        Count(ReportFigureKind.ClaimedToDecided, DurationBuckets.Of(Micro(decided) - claimed.Value));
                    }
                }

                if (completed is not null)
                {
                    Count(ReportFigureKind.DecidedToImported, DurationBuckets.Of(completed.Value - Micro(r.DecidedAt!.Value)));
                    Count(ReportFigureKind.CompletedByDue, completed <= Micro(r.DueAt) ? 1 : 0);
                }

                if (images.TryGetValue(r.Id, out var n))
                {
                    Count(ReportFigureKind.Images, 0, n);
                }
            }

            return (stored, recounted, fromHistory);
        });

    /// <summary>Times to the whole microsecond, as PostgreSQL stores them (and as the figures count them).</summary>
    private static DateTimeOffset Micro(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond));
}

/// <summary>The report's figures on SQLite, the embedded default.</summary>
public sealed class ReportRollupTests(UseCaseFixture fixture) : ReportRollupTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>The report's figures on a real PostgreSQL server, where two nodes' saves really run at once.</summary>
public sealed class ReportRollupOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : ReportRollupTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
