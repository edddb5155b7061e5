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

        if (options.MigrateOnStartup)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            if (pending.Count > 0)
            {
                logger.LogInformation("Applying {Count} migrations to the {Provider} database", pending.Count, options.Provider);
                await db.Database.MigrateAsync(cancellationToken);
            }
        }

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets pages read while a worker writes; the setting is stored in the file itself.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await provider.GetRequiredService<DatabaseSeeder>().SeedAsync(cancellationToken);
    }
}
