using ImagePortal.Infrastructure.Reports;
using ImagePortal.Infrastructure.Seed;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Data;

public static class DatabaseInitializer
{
    /// <summary>Applies migrations (when configured) and the seed, before the application takes requests.</summary>
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var options = provider.GetRequiredService<IOptions<DatabaseOptions>>().Value;
        var db = provider.GetRequiredService<ImagePortalDbContext>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer));

        // Nodes starting together take turns: the first migrates and seeds, the next finds it done.
        await using var turn = await InstallationLock.TakeAsync(
            provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), "ImagePortal.InitializeDatabase", cancellationToken);
        if (options.MigrateOnStartup)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} migrations to the {Provider} database", pending.Count, options.Provider);
                await db.Database.MigrateAsync(cancellationToken);
                if (pending.Any(m => m.EndsWith("_AuditAndSearchScale", StringComparison.Ordinal)))
                {
                    await RekeyPatientNamesAsync(db, logger, cancellationToken);
                }
            }
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets pages read while a worker writes; the setting is stored in the file itself.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);

            // The planner's statistics (sqlite_stat1), as SQLite recommends when a long-lived connection opens: analyse
            // the tables that need it, each from a bounded sample so that a large file starts quickly. SqliteOptimizer
            // keeps them current while the portal runs.
            await db.Database.ExecuteSqlRawAsync(SqliteOptimizer.AtStart, cancellationToken);
        }

        if (await ReportRollup.RebuildIfPendingAsync(db, cancellationToken))
        {
            logger.LogInformation("The request report's figures were computed once from the history already in the database");
        }

        await provider.GetRequiredService<DatabaseSeeder>().SeedAsync(cancellationToken);
    }

    /// <summary>
    /// Writes the name key (<see cref="Domain.Requests.PatientDetails.NameKey"/>) of the requests filed before it existed,
    /// in .NET: the migration's SQL UPPER left non-ASCII letters as they were on SQLite. Once, when that migration is applied.
    /// </summary>
    private static async Task RekeyPatientNamesAsync(ImagePortalDbContext db, ILogger logger, CancellationToken cancellationToken)
    {
        var stale = new List<(Guid Id, string Key)>();
        var rows = db.ImageRequests.AsNoTracking()
            .Select(r => new { r.Id, r.Patient.FamilyName, r.Patient.GivenName, r.PatientNameKey })
            .AsAsyncEnumerable();
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            var key = Domain.Requests.PatientDetails.Key(row.GivenName is null ? row.FamilyName : $"{row.FamilyName} {row.GivenName}");
            if (!string.Equals(key, row.PatientNameKey, StringComparison.Ordinal))
            {
                stale.Add((row.Id, key));
            }
        }

        foreach (var (id, key) in stale)
        {
            await db.ImageRequests.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.PatientNameKey, key), cancellationToken);
        }

        if (stale.Count > 0)
        {
            logger.LogInformation("Wrote the search key of {Count} requests' patient names", stale.Count);
        }
    }
}
