using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>Writes the periodic checkpoints (a node whose write loses to another's simply finds none due next time).</summary>
public sealed class AuditCheckpointService(
    AuditCheckpoints checkpoints, IDbContextFactory<ImagePortalDbContext> dbFactory, AuditKeyRing keys, IOptions<AuditOptions> options,
    ILogger<AuditCheckpointService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WarnOfAForeignKeyAsync(stoppingToken);
        var period = TimeSpan.FromTicks(Math.Clamp(options.Value.CheckpointInterval.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromMinutes(1).Ticks));
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                if (await checkpoints.WriteIfDueAsync(stoppingToken) is { } written)
                {
                    logger.LogDebug("Audit checkpoint at sequence {Sequence}", written.Sequence);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Could not write an audit checkpoint; trying again in {Period}", period);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>
    /// A node started with another key than the one that sealed the trail so far would write events no other node can
    /// verify: say so at start, in words an administrator acts on.
    /// </summary>
    private async Task WarnOfAForeignKeyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var last = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => e.KeyId).FirstOrDefaultAsync(cancellationToken);
            if (last is not null && keys.Find(last) is null)
            {
                logger.LogError("SECURITY: the audit trail's last event was sealed under key {Other}, but this node holds key {Mine}. Give every " +
                                "web and worker node the same Audit:ChainKeyFile (or list the old key in Audit:PreviousChainKeys after a rotation).",
                    last, keys.Current.Id);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Could not compare this node's audit chain key with the trail's");
        }
    }
}
