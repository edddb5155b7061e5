using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Requests;

/// <summary>Runs <see cref="RequestExpiry"/> on a timer; a failed round is logged and tried again next time.</summary>
public sealed class RequestExpiryService(
    IServiceScopeFactory scopes, IOptions<RequestExpirySettings> settings, TimeProvider clock, ILogger<RequestExpiryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.Value.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.Value.Interval, clock);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var expired = await scope.ServiceProvider.GetRequiredService<RequestExpiry>().ExpireOverdueAsync(stoppingToken);
                if (expired > 0)
                {
                    logger.LogInformation("Overdue requests expired: {Count}", expired);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                logger.LogError(error, "Expiring overdue requests failed; trying again in {Interval}", settings.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
