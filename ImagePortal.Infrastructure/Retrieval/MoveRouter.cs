using System.Collections.Concurrent;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Hands instances that arrive at the portal's Storage SCP (C-MOVE sub-operations) to the job that asked for them. A
/// job routes one source AE at a time in this process (<see cref="RouteAsync"/> waits for the previous move from the
/// same AE to end), so the calling AE title of an incoming association names the job without ambiguity. Instances
/// nobody asked for are refused.
/// </summary>
public sealed class MoveRouter(ILogger<MoveRouter> logger) : IDicomStoreProvider
{
    /// <summary>PS3.4 B.2.3: refused, not authorized (nobody in this process is moving from that AE).</summary>
    public static readonly DimseStatus NotExpected = DimseStatus.NotAuthorized;

    private readonly ConcurrentDictionary<string, IDicomStoreProvider> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IAsyncDisposable> RouteAsync(string sourceAeTitle, IDicomStoreProvider sink, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(sourceAeTitle, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        _routes[sourceAeTitle] = sink;
        return new Route(() =>
        {
            _routes.TryRemove(sourceAeTitle, out _);
            gate.Release();
        });
    }

    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        if (_routes.TryGetValue(instance.CallingAeTitle, out var sink))
        {
            return await sink.StoreAsync(instance, cancellationToken);
        }

        logger.LogWarning("Refused an instance from {CallingAe}: no retrieval in this process is moving from that AE", instance.CallingAeTitle);
        await instance.DataSet.CopyToAsync(Stream.Null, cancellationToken);
        return NotExpected;
    }

    private sealed class Route(Action release) : IAsyncDisposable
    {
        private Action? _release = release;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _release, null)?.Invoke();
            return ValueTask.CompletedTask;
        }
    }
}
