using ImagePortal.Domain.Common;
using Microsoft.AspNetCore.Authorization;

namespace ImagePortal.Web.Security;

/// <summary>Authorization policies of the pages; handlers check the same roles again (see AuthorizeMessageAttribute).</summary>
public static class Policies
{
    public const string Clerk = "Clerk";
    public const string Approver = "Approver";
    public const string Auditor = "Auditor";
    public const string Administrator = "Administrator";
    public const string NetworkAdministrator = "NetworkAdministrator";

    public static void Configure(AuthorizationOptions options)
    {
        options.AddPolicy(Clerk, p => p.RequireRole(Roles.Clerk));
        options.AddPolicy(Approver, p => p.RequireRole(Roles.Approver));
        options.AddPolicy(Auditor, p => p.RequireRole(Roles.Auditor));
        options.AddPolicy(Administrator, p => p.RequireRole(Roles.FacilityAdmin, Roles.NetworkAdmin));
        options.AddPolicy(NetworkAdministrator, p => p.RequireRole(Roles.NetworkAdmin));

        // Every endpoint needs a signed-in user unless it says otherwise ([AllowAnonymous] on the sign-in pages).
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}
