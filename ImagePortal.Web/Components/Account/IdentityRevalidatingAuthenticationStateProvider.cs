using System.Security.Claims;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Components.Account;

/// <summary>
/// Re-checks an open circuit's user every <see cref="AuthenticationSettings.RevalidationInterval"/>: a user who signed
/// out elsewhere (security stamp), was disabled or deleted, sat idle past the timeout, or passed the absolute lifetime
/// loses the circuit's authentication, and the page sends them to sign in.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopeFactory,
    IOptions<IdentityOptions> identityOptions,
    IOptionsMonitor<AuthenticationSettings> settings,
    CircuitActivity activity,
    TimeProvider clock)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<IdentityRevalidatingAuthenticationStateProvider>();

    protected override TimeSpan RevalidationInterval => settings.CurrentValue.RevalidationInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var principal = authenticationState.User;
        var now = clock.GetUtcNow();
        var current = settings.CurrentValue;
        if (now - activity.LastActivity > current.IdleTimeout)
        {
            _logger.LogInformation("Session of {UserName} ended: idle since {LastActivity:O}", principal.Identity?.Name, activity.LastActivity);
            await RecordSignOutAsync(principal, "Signed out: idle past the timeout", cancellationToken);
            return false;
        }

        if (SessionLifetime.IsExpired(principal, now, current.AbsoluteLifetime))
        {
            _logger.LogInformation("Session of {UserName} ended: absolute lifetime reached", principal.Identity?.Name);
            await RecordSignOutAsync(principal, "Signed out: session lifetime reached", cancellationToken);
            return false;
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await userManager.GetUserAsync(principal);
        if (user is null || user.IsDisabled)
        {
            return false;
        }

        var principalStamp = principal.FindFirstValue(identityOptions.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await userManager.GetSecurityStampAsync(user);
    }

    private async Task RecordSignOutAsync(ClaimsPrincipal principal, string description, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var facility = Guid.TryParse(principal.FindFirstValue(ImagePortalClaims.FacilityId), out var id) ? id : (Guid?)null;
        await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
            new AuditEntry(AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.Success, description),
            principal.FindFirstValue(ClaimTypes.NameIdentifier), principal.Identity?.Name, facility, null, cancellationToken);
    }
}
