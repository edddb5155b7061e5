using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;

namespace ImagePortal.Web.Components.Shared;

/// <summary>
/// A page that refreshes itself when what it shows changes elsewhere (another user, another tab, a worker). It never
/// ends showing an older state than the database's: its reads (the load its parameters cause, and each refresh) run one
/// after the other, a change told before it subscribed is caught up on, and a change told while a refresh reads makes
/// one more refresh follow (LivePageTests; LiveRequestPageTests repeats a fast direct retrieve).
/// </summary>
public abstract class LivePage : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];

    // Taken before the page first reads what it shows; the subscription comes only after the first render, and a change
    // told in between reached nobody here.
    private long? _readSince;

    // The page's latest read and those queued behind it. Two overlapping reads could end out of order and leave the older
    // answer shown: a refresh that read "Completed" overwritten by the page's first load, which read "Approved" before
    // and came back after (the first render, and so the subscription, comes while that load still reads).
    private Task _reading = Task.CompletedTask;

    [Inject]
    private ChangeNotifier Notifier { get; set; } = default!;

    public override Task SetParametersAsync(ParameterView parameters)
    {
        _readSince ??= Notifier.Mark();
        if (_reading.IsCompleted)
        {
            return _reading = base.SetParametersAsync(parameters);
        }

        // Parameters can be read only now; the load they cause waits for the read under way.
        parameters.SetParameterProperties(this);
        return _reading = AfterReadingAsync(_reading, () => base.SetParametersAsync(ParameterView.Empty));
    }

    /// <summary>
    /// Call from <c>OnAfterRender(firstRender: true)</c>: only a live circuit can be refreshed. <paramref name="refresh"/>
    /// must not tell a change of <paramref name="key"/> itself: it would refresh again without end.
    /// </summary>
    protected void Watch(string key, Func<Task> refresh)
    {
        var again = false;
        var refreshing = Task.CompletedTask;

        // Runs on the page's dispatcher, so these steps never interleave with each other. A change told while a refresh
        // reads may have come after its read, so one more follows it; every change told meanwhile shares that one.
        Task Changed()
        {
            again = true;
            if (refreshing.IsCompleted)
            {
                refreshing = _reading = AfterReadingAsync(_reading, RefreshWhileChangedAsync);
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

    private static async Task AfterReadingAsync(Task previous, Func<Task> next)
    {
        try
        {
            await previous;
        }
        catch (Exception)
        {
            // Whoever started that read has its failure (the renderer, or the notifier that logs it); this read goes on.
        }

        await next();
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
