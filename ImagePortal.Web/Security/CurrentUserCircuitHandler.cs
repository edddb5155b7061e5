using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace ImagePortal.Web.Security;

/// <summary>
/// Keeps <see cref="CurrentUser"/> in step with the circuit's authentication state. The idle timeout is not measured
/// here: the circuit's inbound traffic includes the acknowledgements of every render, live updates included, so an
/// unattended page would never be idle. <see cref="UserActivityReporter"/> reports what the user does instead.
/// </summary>
public sealed class CurrentUserCircuitHandler(
    AuthenticationStateProvider authenticationStateProvider,
    CurrentUser currentUser,
    IHttpContextAccessor httpContextAccessor) : CircuitHandler, IDisposable
{
    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var state = await authenticationStateProvider.GetAuthenticationStateAsync();
        // While the circuit's hub connection starts, the accessor holds that connection's context.
        currentUser.Set(state.User, httpContextAccessor.HttpContext?.Connection.RemoteIpAddress?.ToString());
        authenticationStateProvider.AuthenticationStateChanged += OnAuthenticationStateChanged;
    }

    public void Dispose() => authenticationStateProvider.AuthenticationStateChanged -= OnAuthenticationStateChanged;

    private void OnAuthenticationStateChanged(Task<AuthenticationState> task) =>
        _ = UpdateAsync(task);

    private async Task UpdateAsync(Task<AuthenticationState> task)
    {
        var state = await task;
        currentUser.Set(state.User, null);
    }
}

/// <summary>When the user of this circuit last did something (reported by <see cref="UserActivityReporter"/>).</summary>
public sealed class CircuitActivity(TimeProvider clock)
{
    private long _lastActivityTicks = clock.GetUtcNow().UtcTicks;

    public DateTimeOffset LastActivity => new(Interlocked.Read(ref _lastActivityTicks), TimeSpan.Zero);

    public void Touch() => Interlocked.Exchange(ref _lastActivityTicks, clock.GetUtcNow().UtcTicks);
}
