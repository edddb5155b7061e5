namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Tells open pages that something they show has changed (eShop's OrderStatusNotificationService). Pages subscribe
/// to a key after their first render and re-query through their own use case, so nothing but the key crosses
/// facilities. One instance per process; with several nodes, what one tells reaches the others' pages through the
/// <see cref="ChangeFeed"/>. Changes are told after they are committed, so a page that reads after a change was told sees it.
/// Telling hands the subscribers to the thread pool and returns: the command that changed something does not run, nor
/// wait for, any open page's re-query (ChangeNotifierTests). A page's refresh may run to its end without yielding (SQLite
/// answers "async" queries synchronously, and a circuit that is idle runs what it is given on the caller's thread).
/// </summary>
public sealed class ChangeNotifier(ILogger<ChangeNotifier> logger, ChangeFeed? feed = null)
{
    // Keys hash into a fixed number of slots, each holding the stamp of the latest change told under any of its keys:
    // bounded memory whatever the number of requests, at the price of a rare needless refresh when two keys share a slot.
    private const int Slots = 4096;

    // Written under the lock (subscribing is rare next to telling, and an empty key must go in the same step that empties
    // it, or a subscriber added meanwhile would be lost); telling copies a key's handlers under the lock and calls them outside it.
    private readonly Dictionary<string, Dictionary<Guid, Func<Task>>> _subscribers = new(StringComparer.Ordinal);
    private readonly long[] _lastToldAt = new long[Slots];

    // Subscribers are called in the order changes were told, one telling after the other, off the teller's thread.
    private readonly Lock _deliveryOrder = new();
    private Task _delivery = Task.CompletedTask;
    private long _stamp;

    public static string Request(string number) => $"request:{number}";

    public static string Inbox(Guid facilityId) => $"inbox:{facilityId}";

    public static string RequestsOf(Guid facilityId) => $"requests:{facilityId}";

    /// <summary>Any retrieval job changed (the Jobs board).</summary>
    public const string Jobs = "jobs";

    public static string NotificationsOf(string userId) => $"notifications:{userId}";

    /// <summary>A point in the sequence of changes told: take it before reading, ask <see cref="ToldSince"/> after subscribing.</summary>
    public long Mark() => Interlocked.Read(ref _stamp);

    /// <summary>
    /// Whether a change of <paramref name="key"/> may have been told since <paramref name="mark"/>. A page subscribes only
    /// after its first render, so a change told between its first read and its subscription reached nobody there
    /// (LivePageTests.AChangeToldBetweenThePagesFirstReadAndItsSubscription_StillShows).
    /// </summary>
    public bool ToldSince(string key, long mark) => Interlocked.Read(ref _lastToldAt[Slot(key)]) > mark;

    /// <summary>The number of keys somebody listens to: a key whose last subscriber left is forgotten.</summary>
    internal int WatchedKeys
    {
        get
        {
            lock (_subscribers)
            {
                return _subscribers.Count;
            }
        }
    }

    public IDisposable Subscribe(string key, Func<Task> onChange)
    {
        var id = Guid.NewGuid();
        lock (_subscribers)
        {
            if (!_subscribers.TryGetValue(key, out var handlers))
            {
                _subscribers[key] = handlers = [];
            }

            handlers[id] = onChange;
        }

        return new Subscription(() =>
        {
            lock (_subscribers)
            {
                if (_subscribers.TryGetValue(key, out var handlers) && handlers.Remove(id) && handlers.Count == 0)
                {
                    _subscribers.Remove(key);
                }
            }
        });
    }

    /// <summary>Tells this node's pages and, through the change feed, every other node's.</summary>
    public Task PublishAsync(params string[] keys)
    {
        feed?.Enqueue(keys);
        return DeliverAsync(keys);
    }

    /// <summary>
    /// Tells this node's pages only: what another node told, read from the change feed. Returns once the subscribers are
    /// known; they are called on the thread pool, in the order changes were told, and none is awaited: a slow page must
    /// not hold the command that told, nor the pages told after it.
    /// </summary>
    public Task DeliverAsync(IReadOnlyList<string> keys)
    {
        List<(string Key, Func<Task> Handler)> told = [];
        foreach (var key in keys)
        {
            // Stamped before the subscribers are read: a page that subscribes meanwhile either is among them or sees the stamp.
            Stamp(key);
            lock (_subscribers)
            {
                if (_subscribers.TryGetValue(key, out var subscribed))
                {
                    told.AddRange(subscribed.Values.Select(handler => (key, handler)));
                }
            }
        }

        if (told.Count > 0)
        {
            lock (_deliveryOrder)
            {
                _delivery = _delivery.ContinueWith(
                    _ =>
                    {
                        foreach (var (key, handler) in told)
                        {
                            Start(key, handler);
                        }
                    },
                    CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Completes once every subscriber of the changes told so far has been called (not once its refresh ended).</summary>
    internal Task Delivered
    {
        get
        {
            lock (_deliveryOrder)
            {
                return _delivery;
            }
        }
    }

    private void Start(string key, Func<Task> handler)
    {
        Task refreshing;
        try
        {
            refreshing = handler();
        }
        catch (Exception exception)
        {
            Failed(exception, key);
            return;
        }

        if (!refreshing.IsCompletedSuccessfully)
        {
            _ = refreshing.ContinueWith(
                (done, state) => Failed(done.Exception!.GetBaseException(), (string)state!),
                key,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    // A page that went away mid-update must not stop the others from hearing about the change.
    private void Failed(Exception exception, string key) => logger.LogDebug(exception, "A subscriber of {Key} failed to refresh", key);

    private void Stamp(string key)
    {
        var stamp = Interlocked.Increment(ref _stamp);
        ref var slot = ref _lastToldAt[Slot(key)];
        var seen = Interlocked.Read(ref slot);
        while (seen < stamp && Interlocked.CompareExchange(ref slot, stamp, seen) is var found && found != seen)
        {
            seen = found;
        }
    }

    /// <summary>FNV-1a: the same slot for a key in every process run (string hash codes are randomized per process).</summary>
    private static int Slot(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Slots);
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
