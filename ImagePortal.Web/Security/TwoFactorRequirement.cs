using System.Security.Claims;
using ImagePortal.Infrastructure.Identity;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>Where configuration makes two-factor authentication mandatory for a role, users of it must enrol first.</summary>
public sealed class TwoFactorRequirement(IOptionsMonitor<AuthenticationSettings> settings)
{
    public const string EnrolPath = "/Account/Manage/EnableAuthenticator";

    public bool IsSatisfiedBy(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return true;
        }

        var required = settings.CurrentValue.RequireTwoFactorForRoles;
        return required.Count == 0 || !required.Any(user.IsInRole) || user.HasClaim(ImagePortalClaims.TwoFactorEnabled, "true");
    }
}

/// <summary>A user who signed in with a one-time password an administrator handed over chooses their own before working.</summary>
public static class PasswordChangeRequirement
{
    public const string ChangePath = "/Account/Manage/ChangePassword";

    public static bool IsSatisfiedBy(ClaimsPrincipal user) => !user.HasClaim(ImagePortalClaims.MustChangePassword, "true");
}

public sealed class TwoFactorRequirementMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context, TwoFactorRequirement requirement)
    {
        var path = context.Request.Path;
        var exempt = path.StartsWithSegments("/Account") || path.StartsWithSegments("/_framework") ||
                     path.StartsWithSegments("/_content") || path.StartsWithSegments("/health") ||
                     Path.HasExtension(path.Value);
        if (!exempt && !PasswordChangeRequirement.IsSatisfiedBy(context.User))
        {
            context.Response.Redirect(PasswordChangeRequirement.ChangePath);
            return Task.CompletedTask;
        }

        if (!exempt && !requirement.IsSatisfiedBy(context.User))
        {
            context.Response.Redirect(TwoFactorRequirement.EnrolPath);
            return Task.CompletedTask;
        }

        return next(context);
    }
}
