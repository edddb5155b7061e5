using System.Security.Claims;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>
/// Caps the live-page circuits of one user at <see cref="AuthenticationSettings.MaxCircuitsPerUser"/>
/// (RELIABILITY_CHECKLIST 4). The new circuit is refused, not the oldest ended: ending the oldest would throw away work
/// in another window (a half-written denial) that nobody asked to lose, and would let whoever holds a copy of the
/// cookie push the clinician out; refusing tells the person at the new window what to do and leaves running work alone.
/// A refused circuit renders only that message (see Routes.razor), loads nothing and is not counted.
/// </summary>
public sealed class CircuitLimitCircuitHandler(
    AuthenticationStateProvider authenticationStateProvider,
    UserCircuits circuits,
    CircuitAdmission admission,
    IOptionsMonitor<AuthenticationSettings> settings,
    IServiceScopeFactory scopeFactory,
    IHttpContextAccessor httpContextAccessor,
    ILogger<CircuitLimitCircuitHandler> logger) : CircuitHandler
{
    private string? _userId;

    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        var user = (await authenticationStateProvider.GetAuthenticationStateAsync()).User;
        var userId = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (userId is null)
        {
            return;
        }

        var max = settings.CurrentValue.MaxCircuitsPerUser;
        if (circuits.TryAdd(userId, circuit.Id, max))
        {
            _userId = userId;
            return;
        }

        admission.Refuse(max);
        // While the circuit's hub connection starts, the accessor holds that connection's context.
        var address = httpContextAccessor.HttpContext?.Connection.RemoteIpAddress?.ToString();
        logger.LogWarning("Security: live page refused for {UserName} from {Address}: already {Max} open", user.Identity?.Name, address, max);
        await using var scope = scopeFactory.CreateAsyncScope();
        var facility = Guid.TryParse(user.FindFirstValue(ImagePortalClaims.FacilityId), out var id) ? id : (Guid?)null;
        await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
            new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure,
                $"Live page refused: the user already holds {max} open pages"),
            userId, user.Identity?.Name, facility, address, cancellationToken);
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_userId is not null)
        {
            circuits.Remove(_userId, circuit.Id);
        }

        return Task.CompletedTask;
    }
}
