using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;

namespace ImagePortal.Web.Components.Shared;

/// <summary>A page that refreshes itself when what it shows changes elsewhere (another user, another tab, a worker).</summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    [Inject]
    private ChangeNotifier Notifier { get; set; } = default!;

    /// <summary>Call from <c>OnAfterRender(firstRender: true)</c>: only a live circuit can be refreshed.</summary>
    protected void Watch(string key, Func<Task> refresh) =>
        _subscriptions.Add(Notifier.Subscribe(key, () => InvokeAsync(async () =>
        {
            await refresh();
            StateHasChanged();
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
