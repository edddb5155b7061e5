using System.Collections.Concurrent;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Tells open pages that something they show has changed (eShop's OrderStatusNotificationService). Pages subscribe
/// to a key after their first render and re-query through their own use case, so nothing but the key crosses
/// facilities. One instance per process; with several nodes, what one tells reaches the others' pages through the
/// <see cref="ChangeFeed"/>. Changes are told after they are committed, so a page that reads after a change was told sees it.
/// </summary>
public sealed class ChangeNotifier(ILogger<ChangeNotifier> logger, ChangeFeed? feed = null)
{
    // Keys hash into a fixed number of slots, each holding the stamp of the latest change told under any of its keys:
    // bounded memory whatever the number of requests, at the price of a rare needless refresh when two keys share a slot.
    private const int Slots = 4096;

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Func<Task>>> _subscribers = new(StringComparer.Ordinal);
    private readonly long[] _lastToldAt = new long[Slots];
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

    public IDisposable Subscribe(string key, Func<Task> onChange)
    {
        var id = Guid.NewGuid();
        _subscribers.GetOrAdd(key, _ => new ConcurrentDictionary<Guid, Func<Task>>())[id] = onChange;
        return new Subscription(() =>
        {
            if (_subscribers.TryGetValue(key, out var handlers))
            {
                handlers.TryRemove(id, out _);
            }
        });
    }

    /// <summary>Tells this node's pages and, through the change feed, every other node's.</summary>
    public async Task PublishAsync(params string[] keys)
    {
        feed?.Enqueue(keys);
        await DeliverAsync(keys);
    }

    /// <summary>Tells this node's pages only: what another node told, read from the change feed.</summary>
    public async Task DeliverAsync(IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            // Stamped before the subscribers are read: a page that subscribes meanwhile either is among them or sees the stamp.
            Stamp(key);
            if (!_subscribers.TryGetValue(key, out var handlers))
            {
                continue;
            }

            foreach (var handler in handlers.Values)
            {
                try
                {
                    await handler();
                }
                catch (Exception exception)
                {
                    // A page that went away mid-update must not stop the others from hearing about the change.
                    logger.LogDebug(exception, "A subscriber of {Key} failed to refresh", key);
                }
            }
        }
    }

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
