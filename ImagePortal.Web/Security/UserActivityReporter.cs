using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace ImagePortal.Web.Security;

/// <summary>
/// Reports what the person at the browser does (keys, pointer, wheel, input, back and forward) to the circuit's
/// <see cref="CircuitActivity"/>, through session.js. Only this counts towards the idle timeout: the circuit's other
/// inbound traffic (render acknowledgements of live updates, JS interop results) arrives whether anyone is there or not
/// (HIPAA §164.312(a)(2)(iii), automatic logoff; SessionTests.LiveUpdatesAlone_DoNotKeepAnIdlePageSignedIn).
/// </summary>
public sealed class UserActivityReporter(IJSRuntime js, CircuitActivity activity, IOptionsMonitor<AuthenticationSettings> settings)
    : ComponentBase, IDisposable
{
    private DotNetObjectReference<UserActivityReporter>? _reference;

    /// <summary>
    /// The browser reports at most once per interval (a tenth of the idle timeout, 1 to 30 s), so the session may end
    /// up to that much before the idle timeout measured from the very last keystroke, never after it.
    /// </summary>
    public static TimeSpan ReportInterval(TimeSpan idleTimeout) =>
        TimeSpan.FromTicks(Math.Clamp(idleTimeout.Ticks / 10, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));

    [JSInvokable]
    public void UserActive() => activity.Touch();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || !RendererInfo.IsInteractive)
        {
            return;
        }

        _reference = DotNetObjectReference.Create(this);
        var interval = ReportInterval(settings.CurrentValue.IdleTimeout);
        try
        {
            await js.InvokeVoidAsync("imagePortalSession.watchActivity", _reference, (int)interval.TotalMilliseconds);
        }
        catch (JSDisconnectedException)
        {
            // The person left (or closed the tab) before the browser answered: nobody is there to watch, and the circuit
            // is going away. Unhandled, it would be logged as an error of the page they left.
        }
    }

    public void Dispose() => _reference?.Dispose();
}
