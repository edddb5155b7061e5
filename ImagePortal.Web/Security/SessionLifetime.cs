using System.Globalization;
using System.Security.Claims;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>
/// The absolute session lifetime: the ticket remembers when the password was entered (a claim that sliding renewal
/// and security-stamp refreshes carry over), and a ticket older than the limit is rejected.
/// </summary>
public static class SessionLifetime
{
    public static bool IsExpired(ClaimsPrincipal principal, DateTimeOffset now, TimeSpan absoluteLifetime)
    {
        var value = principal.FindFirstValue(ImagePortalClaims.AuthenticatedAt);
        return value is null ||
               !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ||
               now - new DateTimeOffset(ticks, TimeSpan.Zero) > absoluteLifetime;
    }

    /// <summary>Wires the cookie events that stamp and enforce the lifetime.</summary>
    public static void Configure(CookieAuthenticationOptions options)
    {
        options.Events.OnSigningIn = context =>
        {
            if (context.Principal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == ImagePortalClaims.AuthenticatedAt))
            {
                var now = context.HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
                identity.AddClaim(new Claim(ImagePortalClaims.AuthenticatedAt, now.UtcTicks.ToString(CultureInfo.InvariantCulture)));
            }

            return Task.CompletedTask;
        };

        var validateSecurityStamp = options.Events.OnValidatePrincipal;
        options.Events.OnValidatePrincipal = async context =>
        {
            var provider = context.HttpContext.RequestServices;
            var settings = provider.GetRequiredService<IOptionsMonitor<AuthenticationSettings>>().CurrentValue;
            if (context.Principal is not null &&
                IsExpired(context.Principal, provider.GetRequiredService<TimeProvider>().GetUtcNow(), settings.AbsoluteLifetime))
            {
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
                return;
            }

            await validateSecurityStamp(context);
        };
    }

    /// <summary>A security-stamp refresh rebuilds the principal; the sign-in time must survive it.</summary>
    public static void Configure(SecurityStampValidatorOptions options) =>
        options.OnRefreshingPrincipal = context =>
        {
            var authenticatedAt = context.CurrentPrincipal?.FindFirst(ImagePortalClaims.AuthenticatedAt);
            if (authenticatedAt is not null && context.NewPrincipal?.Identity is ClaimsIdentity identity)
            {
                identity.AddClaim(new Claim(ImagePortalClaims.AuthenticatedAt, authenticatedAt.Value));
            }

            return Task.CompletedTask;
        };
}
