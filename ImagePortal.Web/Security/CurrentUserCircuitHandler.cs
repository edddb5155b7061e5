using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace ImagePortal.Web.Security;

/// <summary>
/// Keeps <see cref="CurrentUser"/> in step with the circuit's authentication state, and records the time of the
/// user's last action for the idle timeout (inbound activity = every event the browser sends).
/// </summary>
public sealed class CurrentUserCircuitHandler(
    AuthenticationStateProvider authenticationStateProvider,
    CurrentUser currentUser,
    CircuitActivity activity,
    IHttpContextAccessor httpContextAccessor) : CircuitHandler, IDisposable
{
    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var state = await authenticationStateProvider.GetAuthenticationStateAsync();
        // While the circuit's hub connection starts, the accessor holds that connection's context.
        currentUser.Set(state.User, httpContextAccessor.HttpContext?.Connection.RemoteIpAddress?.ToString());
        authenticationStateProvider.AuthenticationStateChanged += OnAuthenticationStateChanged;
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        context =>
        {
            activity.Touch();
            return next(context);
        };

    public void Dispose() => authenticationStateProvider.AuthenticationStateChanged -= OnAuthenticationStateChanged;

    private void OnAuthenticationStateChanged(Task<AuthenticationState> task) =>
        _ = UpdateAsync(task);

    private async Task UpdateAsync(Task<AuthenticationState> task)
    {
        var state = await task;
        currentUser.Set(state.User, null);
    }
}

/// <summary>When the user of this circuit last did something.</summary>
public sealed class CircuitActivity(TimeProvider clock)
{
    private long _lastActivityTicks = clock.GetUtcNow().UtcTicks;

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, clock.GetUtcNow().UtcTicks);
}
