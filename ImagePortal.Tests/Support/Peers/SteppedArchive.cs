using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// Serves an archive's instances, but only as many as <see cref="Allow"/> let through so far (counted over all its
/// retrieves): the next one waits for a higher allowance. A transfer held at 2 instances and later at 200 shows what a
/// running job costs at each point while nothing moves.
/// </summary>
public sealed class SteppedArchive(TestArchive archive, int allowed) : IDicomFindProvider, IDicomGetProvider
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _allowed = allowed;
    private int _requested;

    /// <summary>Lets instances through until <paramref name="count"/> have been sent in all.</summary>
    public void Allow(int count)
    {
        TaskCompletionSource raised;
        lock (_lock)
        {
            _allowed = Math.Max(_allowed, count);
            raised = _raised;
            _raised = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        raised.TrySetResult();
    }

    public IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, CancellationToken cancellationToken) =>
        archive.FindAsync(request, cancellationToken);

    public async Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var instances = await archive.ResolveAsync(request, cancellationToken);
        return instances.Select(instance => instance with
        {
            OpenDataSet = async ct =>
            {
                var index = Interlocked.Increment(ref _requested) - 1;
                while (true)
                {
                    Task raised;
                    lock (_lock)
                    {
                        if (index < _allowed)
                        {
                            break;
                        }

                        raised = _raised.Task;
                    }

                    await raised.WaitAsync(ct);
                }

                return await instance.OpenDataSet(ct);
            },
        }).ToList();
    }
}
