using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace ImagePortal.Web.Components.Account;

internal static class IdentityEndpoints
{
    /// <summary>The HTTP endpoints the account pages need besides the pages themselves.</summary>
    public static IEndpointConventionBuilder MapIdentityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/Account");

        // A form post with an antiforgery token, checked here: minimal APIs validate it only when they bind a [FromForm]
        // parameter, and this endpoint binds none, so another site's form could sign the user out. Signing out also renews
        // the security stamp, so circuits open in other tabs end at their next revalidation.
        account.MapPost("/Logout", async Task<Results<RedirectHttpResult, BadRequest>> (
            HttpContext context,
            [FromServices] IAntiforgery antiforgery,
            [FromServices] SignInManager<ApplicationUser> signInManager,
            [FromServices] ILoggerFactory loggers,
            [FromServices] IAuditTrail audit) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return TypedResults.BadRequest();
            }

            var user = await signInManager.UserManager.GetUserAsync(context.User);
            if (user is not null)
            {
                await signInManager.UserManager.UpdateSecurityStampAsync(user);
                loggers.CreateLogger("ImagePortal.Web.Account").LogInformation("User {UserName} signed out", user.UserName);
                await audit.RecordAsync(
                    new AuditEntry(AuditEventType.UserAuthentication, AuditAction.Execute, AuditOutcome.Success, "Signed out"),
                    user.Id, user.UserName, user.FacilityId, context.Connection.RemoteIpAddress?.ToString());
            }

            await signInManager.SignOutAsync();
            return TypedResults.LocalRedirect("~/Account/Login");
        }).AllowAnonymous();

        // Pages call this (throttled) while the user works, so the sliding cookie stays fresh although an interactive
        // page talks over its web socket and sends no other HTTP requests.
        account.MapPost("/KeepAlive", () => TypedResults.NoContent()).RequireAuthorization();

        return account;
    }
}
