using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Carries change notifications between the nodes of one installation through their shared database (an outbox):
/// writes what this node told (<see cref="ChangeFeed"/>) as rows of the <c>ChangeFeed</c> table, and, on a web node,
/// reads the rows other nodes wrote and tells this node's open pages, within <see cref="ChangeFeedOptions.PollInterval"/>.
/// A worker node finishing an import thus updates the clerk's page open on any web node. Plain polling of an indexed
/// key works the same on SQLite, SQL Server and PostgreSQL; a read that finds nothing costs one index seek.
/// </summary>
public sealed class ChangeFeedService(
    ChangeFeed feed, ChangeNotifier notifier, IDbContextFactory<ImagePortalDbContext> dbFactory, IOptions<ChangeFeedOptions> options,
    TimeProvider clock, ILogger<ChangeFeedService> logger) : BackgroundService
{
    /// <summary>A row holds at most this many keys; a larger batch is written as several rows.</summary>
    private const int KeysPerRow = 200;

    private static readonly TimeSpan PruneEvery = TimeSpan.FromMinutes(1);

    private readonly ChangeFeedOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!feed.IsOn)
        {
            return;
        }

        // Yield, so that the host's start is not held up by the first read.
        await Task.Yield();
        var cursor = new ChangeFeedCursor(await HighestAsync(stoppingToken), _options.GapTimeout);
        feed.MarkFollowing();
        logger.LogInformation("Change feed on as {Origin}, {Follows} other nodes from row {Sequence}",
            feed.Origin, feed.FollowsOthers ? "following" : "not following", cursor.Highest);
        await Task.WhenAll(WriteAsync(stoppingToken), feed.FollowsOthers ? FollowAsync(cursor, stoppingToken) : Task.CompletedTask);
    }

    private async Task WriteAsync(CancellationToken stoppingToken)
    {
        var nextPrune = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await feed.Pending.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                // Progress ticks come in bursts: what arrives within the window goes out as one row.
                if (_options.BatchWindow > TimeSpan.Zero)
                {
                    await Task.Delay(_options.BatchWindow, clock, stoppingToken);
                }

                var keys = new HashSet<string>(StringComparer.Ordinal);
                while (feed.Pending.TryRead(out var told))
                {
                    keys.UnionWith(told);
                }

                var now = StoredInstant.Of(clock.GetUtcNow());
                await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                db.ChangeFeed.AddRange(keys.Chunk(KeysPerRow).Select(chunk => new ChangeFeedEntry(feed.Origin, chunk, now)));
                await db.SaveChangesAsync(stoppingToken);
                if (now >= nextPrune)
                {
                    nextPrune = now + PruneEvery;
                    var cutoff = now - _options.Retention;
                    await db.ChangeFeed.Where(e => e.At < cutoff).ExecuteDeleteAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The keys of this batch are lost to the other nodes (their pages show the change at the next load);
                // the next batch tries again.
                logger.LogWarning(exception, "Could not write changes to the change feed; other nodes' pages miss them until reloaded");
                await PauseAsync(stoppingToken);
            }
        }
    }

    private async Task FollowAsync(ChangeFeedCursor cursor, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PollInterval, clock);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                var highest = cursor.Highest;
                var missing = cursor.Missing.Take(1000).ToList();
                await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                var rows = await db.ChangeFeed.AsNoTracking()
                    .Where(e => e.Sequence > highest || missing.Contains(e.Sequence))
                    .OrderBy(e => e.Sequence)
                    .Take(1000)
                    .Select(e => new { e.Sequence, e.Origin, e.Keys })
                    .ToListAsync(stoppingToken);
                foreach (var row in cursor.Accept(rows, r => r.Sequence, clock.GetUtcNow()))
                {
                    if (row.Origin != feed.Origin)
                    {
                        await notifier.DeliverAsync(row.Keys.Split(ChangeFeedEntry.Separator, StringSplitOptions.RemoveEmptyEntries));
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Could not read the change feed; pages on this node miss other nodes' changes until it can");
                await PauseAsync(stoppingToken);
            }
        }
    }

    private async Task<long> HighestAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
                return await db.ChangeFeed.MaxAsync(e => (long?)e.Sequence, stoppingToken) ?? 0;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Could not read the change feed's position; trying again");
                await PauseAsync(stoppingToken);
            }
        }
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task PauseAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
