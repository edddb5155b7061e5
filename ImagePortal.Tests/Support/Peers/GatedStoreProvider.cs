using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A destination that stops answering: the first <paramref name="storeFreely"/> instances go to <paramref name="inner"/>,
/// every later one waits, unread and unanswered, until <see cref="Release"/>.
/// </summary>
public sealed class GatedStoreProvider(IDicomStoreProvider inner, int storeFreely) : IDicomStoreProvider
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    /// <summary>How many C-STOREs have come, held ones included.</summary>
    public int Received => Volatile.Read(ref _received);

    public void Release() => _gate.TrySetResult();

    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _received) > storeFreely)
        {
            await _gate.Task.WaitAsync(cancellationToken);
        }

        return await inner.StoreAsync(instance, cancellationToken);
    }
}
