using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// Seals, on every node, at start and every <see cref="AuditOptions.OutboxSweepInterval"/>, the audit events that a
/// change committed but whose process did not seal them (it died or lost the database right after the commit).
/// </summary>
public sealed class AuditOutboxSweeper(AuditOutbox outbox, IOptions<AuditOptions> options, ILogger<AuditOutboxSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.OutboxSweepInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                var count = await outbox.SealAsync(stoppingToken);
                if (count > 0)
                {
                    logger.LogInformation("Sealed {Count} audit event(s) that a change had committed and no node had sealed yet", count);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                logger.LogWarning(error, "Could not seal the staged audit events; trying again in {Interval}", interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
