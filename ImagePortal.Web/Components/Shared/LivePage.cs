using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;

namespace ImagePortal.Web.Components.Shared;

/// <summary>A page that refreshes itself when what it shows changes elsewhere (another user, another tab, a worker).</summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    // One refresh at a time, in the order the changes came: two overlapping re-queries could otherwise finish out of
    // order, and the older answer (say "Retrieving", read just before the worker committed "Completed") would stay on
    // the page, with no further change to correct it.
    private readonly SemaphoreSlim _refreshing = new(1, 1);

    [Inject]
    private ChangeNotifier Notifier { get; set; } = default!;

    /// <summary>Call from <c>OnAfterRender(firstRender: true)</c>: only a live circuit can be refreshed.</summary>
    protected void Watch(string key, Func<Task> refresh) =>
        _subscriptions.Add(Notifier.Subscribe(key, () => InvokeAsync(async () =>
        {
            await _refreshing.WaitAsync();
            try
            {
                await refresh();
                StateHasChanged();
            }
            finally
            {
                _refreshing.Release();
            }
        })));

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
        GC.SuppressFinalize(this);
    }
}
