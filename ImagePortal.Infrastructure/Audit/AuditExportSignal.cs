namespace ImagePortal.Infrastructure.Audit;

/// <summary>Wakes the syslog exporter of this process when an event was written, so it need not wait for its next poll.</summary>
public sealed class AuditExportSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled: one wake-up covers every event written before it.
            }
        }
    }

    /// <summary>Waits for the next event written in this process, or the timeout (events written by other nodes).</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
