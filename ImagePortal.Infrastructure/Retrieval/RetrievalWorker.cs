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
    private readonly SemaphoreSlim _lookOut = new(1, 1);

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
            try
            {
                var lease = await NextLeaseAsync(owner, stoppingToken);
                await runner.RunAsync(lease, stoppingToken);
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
                    await Task.Delay(options.CurrentValue.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Waits for a due job and leases it. One idle loop at a time looks (every poll interval, or at once when pulsed); the
    /// others wait behind it, so an idle process queries the queue once a poll interval whatever its number of loops. The
    /// loop that finds a job hands the look-out to the next idle one, which looks again at once: more may be due.
    /// </summary>
    private async Task<RetrievalLease> NextLeaseAsync(string owner, CancellationToken stoppingToken)
    {
        await _lookOut.WaitAsync(stoppingToken);
        try
        {
            while (true)
            {
                var settings = options.CurrentValue;
                if (await queue.TryLeaseAsync(owner, settings.LeaseDuration, stoppingToken, settings.ReceivesMoves) is { } lease)
                {
                    return lease;
                }

                await signal.WaitAsync(settings.PollInterval, stoppingToken);
            }
        }
        finally
        {
            _lookOut.Release();
        }
    }
}
