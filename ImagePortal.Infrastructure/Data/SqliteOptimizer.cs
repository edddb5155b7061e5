using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Data;

/// <summary>
/// Keeps SQLite's query-planner statistics current, as its documentation advises for long-lived connections
/// (https://sqlite.org/lang_analyze.html#recommended_usage_pattern): <c>PRAGMA optimize=0x10002</c> at start
/// (<see cref="DatabaseInitializer"/>), <c>PRAGMA optimize</c> every few hours and when the portal stops. Without
/// statistics the planner guesses, and at a million audit events a wrong guess is a full scan of the table. Each run
/// analyses only the tables whose size changed enough, from a bounded sample (<c>analysis_limit</c>), so it is quick.
/// SQLite only: SQL Server and PostgreSQL keep their statistics themselves.
/// </summary>
public sealed class SqliteOptimizer(IDbContextFactory<ImagePortalDbContext> dbFactory, ILogger<SqliteOptimizer> logger) : BackgroundService
{
    /// <summary>Rows sampled per index; SQLite suggests a few hundred for <c>PRAGMA optimize</c>.</summary>
    public const string AtStart = "PRAGMA analysis_limit=400; PRAGMA optimize=0x10002;";

    public const string Periodic = "PRAGMA analysis_limit=400; PRAGMA optimize;";

    public static readonly TimeSpan Every = TimeSpan.FromHours(4);

    public async Task OptimizeAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(Periodic, cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await OptimizeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "PRAGMA optimize at shutdown did not run");
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await OptimizeAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "PRAGMA optimize failed; trying again in {Every}", Every);
            }
        }
    }
}
