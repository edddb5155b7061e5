
namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Wakes the workers of this process when a job became due here (an approval, a retry, a cancel).</summary>
public sealed class RetrievalSignal
{
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);

    public void Pulse() => _signal.Release();

    /// <summary>Waits for a pulse or the timeout; true when pulsed.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
