using System.Collections.Concurrent;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Tells open pages that something they show has changed (eShop's OrderStatusNotificationService). Pages subscribe
/// to a key after their first render and re-query through their own use case, so nothing but the key crosses
/// facilities. One instance per process; with several web nodes a change made on another node shows at the next load.
/// </summary>
public sealed class ChangeNotifier(ILogger<ChangeNotifier> logger)
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Func<Task>>> _subscribers = new(StringComparer.Ordinal);

    public static string Request(string number) => $"request:{number}";

    public static string Inbox(Guid facilityId) => $"inbox:{facilityId}";

    public static string RequestsOf(Guid facilityId) => $"requests:{facilityId}";

    /// <summary>Any retrieval job changed (the Jobs board).</summary>
    public const string Jobs = "jobs";

    public static string NotificationsOf(string userId) => $"notifications:{userId}";

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

    public async Task PublishAsync(params string[] keys)
    {
        foreach (var key in keys)
        {
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

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
