using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Identity;

/// <summary>Puts the user's facility and display name into the ticket, so every request knows them without a query.</summary>
public sealed class ImagePortalClaimsFactory(
    UserManager<ApplicationUser> userManager,
    RoleManager<IdentityRole> roleManager,
    IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<ApplicationUser, IdentityRole>(userManager, roleManager, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(ApplicationUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(ImagePortalClaims.DisplayName, user.DisplayName));
        identity.AddClaim(new Claim(ImagePortalClaims.TwoFactorEnabled, user.TwoFactorEnabled ? "true" : "false"));
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(ImagePortalClaims.MustChangePassword, "true"));
        }

        if (user.FacilityId is { } facilityId)
        {
            identity.AddClaim(new Claim(ImagePortalClaims.FacilityId, facilityId.ToString()));
        }

        return identity;
    }
}
