namespace ImagePortal.Infrastructure.Audit;

/// <summary>One append to the audit chain at a time within this process (other processes still race, and retry).</summary>
public sealed class AuditAppendGate : IDisposable
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => _turn.WaitAsync(cancellationToken);

    public void Release() => _turn.Release();

    public void Dispose() => _turn.Dispose();
}
