using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Runs <see cref="QuarantinePurge"/> every <c>Retrieval:QuarantinePurgeInterval</c>; a failed round is logged and tried again next time.</summary>
public sealed class QuarantinePurgeService(
    QuarantinePurge purge, IOptionsMonitor<RetrievalOptions> options, TimeProvider clock, ILogger<QuarantinePurgeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The host's start-up must not wait for the database.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = options.CurrentValue.QuarantinePurgeInterval;
            try
            {
                var purged = await purge.PurgeAsync(stoppingToken);
                if (purged > 0)
                {
                    logger.LogInformation("Purged {Count} quarantined instance(s)", purged);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                logger.LogError(error, "Purging the quarantine failed; trying again in {Interval}", interval);
            }

            try
            {
                await Task.Delay(interval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
