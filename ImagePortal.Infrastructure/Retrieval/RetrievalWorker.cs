using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The retrieval workers of this process (<c>Retrieval:Concurrency</c> loops): each leases the next due job, runs it,
/// and looks again; idle, it waits for the poll interval or a pulse. On shutdown the running jobs are cancelled and
/// their leases given back, so another worker takes them over at once.
/// </summary>
public sealed class RetrievalWorker(
    RetrievalQueue queue, RetrievalRunner runner, RetrievalSignal signal, IOptionsMonitor<RetrievalOptions> options, ILogger<RetrievalWorker> logger)
    : BackgroundService
{
    /// <summary>This process's name in lease columns: unique per process start.</summary>
    public string Name { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The host's start-up must not wait for the database.
        await Task.Yield();
        var loops = Math.Max(1, options.CurrentValue.Concurrency);
        logger.LogInformation("Retrieval worker {Worker} starts {Loops} loop(s)", Name, loops);
        if (!await WarmUpAsync(stoppingToken))
        {
            return;
        }

        await Task.WhenAll(Enumerable.Range(1, loops).Select(i => LoopAsync($"{Name}#{i}", stoppingToken)));
    }

    /// <summary>Has the job's database work compiled before the first job (see <see cref="RetrievalRunner.WarmUpAsync"/>); false when stopping.</summary>
    private async Task<bool> WarmUpAsync(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await runner.WarmUpAsync(stoppingToken);
            logger.LogInformation("Retrieval worker {Worker} warmed up in {Seconds:0.00} s", Name, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception error)
        {
            // Only slower: the first job compiles what it needs itself (and meets the same database problem, if any, with its retries).
            logger.LogWarning(error, "Retrieval worker {Worker} could not warm up; its first job will be slower", Name);
        }

        return true;
    }

    private async Task LoopAsync(string owner, CancellationToken stoppingToken)
    {
        // Each loop starts on its own thread-pool item.
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var settings = options.CurrentValue;
            try
            {
                var lease = await queue.TryLeaseAsync(owner, settings.LeaseDuration, stoppingToken, settings.ReceivesMoves);
                if (lease is not null)
                {
                    await runner.RunAsync(lease, stoppingToken);
                    continue;
                }

                await signal.WaitAsync(settings.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                // Logged and survived: a worker loop ends only with the process.
                logger.LogError(error, "Retrieval loop {Owner} failed; trying again", owner);
                try
                {
                    await Task.Delay(settings.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
