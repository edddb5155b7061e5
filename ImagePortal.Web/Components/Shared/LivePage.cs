using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;

namespace ImagePortal.Web.Components.Shared;

/// <summary>
/// A page that refreshes itself when what it shows changes elsewhere (another user, another tab, a worker). It never
/// shows an older state than the database's: a change told before it subscribed is caught up on, and a change told
/// while a refresh reads makes one more refresh follow.
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    // Taken before the page first reads what it shows; the subscription comes only after the first render, and a change
    // told in between reached nobody here (a direct retrieve can end in that gap: LivePageTests).
    private long? _readSince;

    [Inject]
    private ChangeNotifier Notifier { get; set; } = default!;

    public override Task SetParametersAsync(ParameterView parameters)
    {
        _readSince ??= Notifier.Mark();
        return base.SetParametersAsync(parameters);
    }

    /// <summary>Call from <c>OnAfterRender(firstRender: true)</c>: only a live circuit can be refreshed.</summary>
    protected void Watch(string key, Func<Task> refresh)
    {
        var again = false;
        var refreshing = Task.CompletedTask;

        // Runs on the page's dispatcher, so these steps never interleave with each other. One refresh at a time: two
        // overlapping re-queries could finish out of order and leave the older answer shown. A change told while one
        // reads may have come after its read, so one more follows it; every change told meanwhile shares that one.
        Task Changed()
        {
            again = true;
            if (refreshing.IsCompleted)
            {
                refreshing = RefreshWhileChangedAsync();
            }

            return refreshing;
        }

        async Task RefreshWhileChangedAsync()
        {
            while (again)
            {
                again = false;
                await refresh();
                StateHasChanged();
            }
        }

        _subscriptions.Add(Notifier.Subscribe(key, () => InvokeAsync(Changed)));
        if (Notifier.ToldSince(key, _readSince ?? 0))
        {
            _ = CatchUpAsync(Changed);
        }
    }

    private async Task CatchUpAsync(Func<Task> changed)
    {
        try
        {
            await changed();
        }
        catch (Exception error)
        {
            // Nobody awaits the catch-up: its failure goes where the page's own failures go (the error boundary).
            await DispatchExceptionAsync(error);
        }
    }

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
