using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// Serves a study, but after the first few instances (over all its retrieves) waits for <see cref="Release"/>: before the next
/// instance, or, with <paramref name="midInstance"/>, in the middle of the next instance's data set.
/// </summary>
public sealed class GatedArchive(TestArchive archive, int sendFreely, bool midInstance = false) : IDicomFindProvider, IDicomGetProvider
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _opened;
    private int _requested;

    /// <summary>How many instances the retrieves have started to send, the gated ones once released.</summary>
    public int Opened => Volatile.Read(ref _opened);

    public void Release() => _gate.TrySetResult();

    public IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, CancellationToken cancellationToken) =>
        archive.FindAsync(request, cancellationToken);

    public async Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var instances = await archive.ResolveAsync(request, cancellationToken);
        return instances.Select(instance => instance with
        {
            OpenDataSet = async ct =>
            {
                // Counted over every retrieve, so that a retry (which asks only for what is missing) is held as well.
                var index = Interlocked.Increment(ref _requested) - 1;
                if (index > sendFreely || index == sendFreely && !midInstance)
                {
                    await _gate.Task.WaitAsync(ct);
                }

                Interlocked.Increment(ref _opened);
                var dataSet = await instance.OpenDataSet(ct);
                return index == sendFreely && midInstance ? new GatedStream(dataSet, _gate.Task) : dataSet;
            },
        }).ToList();
    }
}
