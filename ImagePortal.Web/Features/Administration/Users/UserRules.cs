using System.Security.Cryptography;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

internal static class UserRules
{
    public const string NotFoundMessage = "No such user.";

    /// <summary>Roles a facility administrator may give: none that reaches beyond their facility.</summary>
    public static readonly IReadOnlyList<string> FacilityRoles = [Roles.Clerk, Roles.Approver, Roles.Auditor, Roles.FacilityAdmin];

    public static IEnumerable<string> Validate(UserProfile profile)
    {
        var display = profile.DisplayName?.Trim() ?? string.Empty;
        if (display.Length == 0 || display.Length > 200 || display.Any(char.IsControl))
        {
            yield return "The display name is required (at most 200 characters).";
        }

        if (profile.Email is { Length: > 0 } email &&
            (email.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(email.Trim(), out var address) || address.Address != email.Trim()))
        {
            yield return $"'{email}' is not an e-mail address.";
        }

        if (profile.Roles.Count == 0)
        {
            yield return "Give the user at least one role.";
        }

        foreach (var role in profile.Roles.Where(r => !Roles.IsKnown(r)))
        {
            yield return $"'{role}' is not a role.";
        }

        if (profile.FacilityId is null && profile.Roles.Any(r => !Roles.NetworkWide.Contains(r)))
        {
            yield return "Clerks, approvers and facility administrators belong to a facility: choose one.";
        }
    }

    /// <summary>A facility administrator manages only their facility's users and may not give network-wide power.</summary>
    public static async Task<Result?> CheckAsync(AdminAccess access, UserProfile profile, string what, CancellationToken cancellationToken)
    {
        if (!await access.CanManageAsync(profile.FacilityId, what, cancellationToken))
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        if (!access.IsNetworkAdmin && profile.Roles.Any(r => !FacilityRoles.Contains(r)))
        {
            await access.RefuseAsync($"{what} refused: a facility administrator may not give the role {string.Join(",", profile.Roles.Except(FacilityRoles))}", null, cancellationToken);
            return Result.Fail(FailureKind.Forbidden, "Only a network administrator can give network-wide roles.");
        }

        return null;
    }

    /// <summary>The user as the audit trail's before/after text; <paramref name="now"/> decides whether a lockout still holds.</summary>
    public static async Task<string> DescribeAsync(UserManager<ApplicationUser> users, ImagePortalDbContext db, ApplicationUser user, DateTimeOffset now)
    {
        var roles = await users.GetRolesAsync(user);
        var facility = user.FacilityId is { } id ? await db.Facilities.Where(f => f.Id == id).Select(f => f.Code).FirstOrDefaultAsync() : null;
        var locked = user.LockoutEnd is { } end && end > now;
        return $"user={user.UserName}, name={user.DisplayName}, email={user.Email}, facility={facility ?? "network-wide"}, roles={string.Join(",", roles.Order())}, " +
               $"locked={locked}, disabled={user.IsDisabled}, 2FA={user.TwoFactorEnabled}";
    }

    /// <summary>
    /// Finds a user the administrator may manage: one of their facility, and for a facility administrator never a
    /// holder of a network-wide administration role (who outranks them). Anyone else is "not found", and audited.
    /// </summary>
    public static async Task<ApplicationUser?> FindManageableAsync(
        UserManager<ApplicationUser> users, AdminAccess access, string id, string what, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null || !await access.CanManageAsync(user.FacilityId, what, cancellationToken))
        {
            return null;
        }

        if (!access.IsNetworkAdmin && await users.IsInRoleAsync(user, Roles.NetworkAdmin))
        {
            await access.RefuseAsync($"{what} refused: {user.UserName} is a network administrator", user.UserName, cancellationToken);
            return null;
        }

        return user;
    }

    public static string Problems(IdentityResult result) => string.Join(" ", result.Errors.Select(e => e.Description));

    /// <summary>16 characters from an alphabet without look-alikes (0/O, 1/l/I): easy to read out, about 90 bits.</summary>
    public static string NewOneTimePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);
}
