using System.Security.Cryptography;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>Users an administrator manages, a page at a time, searchable by user name, display name or e-mail.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListUsers(string? Search, int PageIndex, int PageSize) : IQuery<Result<Page<UserRow>>>;

public sealed record UserRow(
    string Id, string UserName, string DisplayName, string? Email, Guid? FacilityId, string? FacilityCode, IReadOnlyList<string> Roles,
    bool IsLocked, bool IsDisabled, bool TwoFactorEnabled, bool MustChangePassword, string? ConcurrencyStamp);

/// <summary>Who a user is and what they may do; the password never travels in here.</summary>
public sealed record UserProfile(string DisplayName, string? Email, Guid? FacilityId, IReadOnlyList<string> Roles);

/// <summary>
/// Creates a user. With SMTP configured and an e-mail address given, the user is mailed a link to choose their
/// password; otherwise (or when the mail cannot be sent) the administrator gets a generated one-time password to
/// hand over, shown once and to be changed at the first sign-in.
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CreateUser(string UserName, UserProfile Profile) : ICommand<Result<CreatedUser>>;

/// <param name="OneTimePassword">Shown to the administrator once (the portal keeps only its hash); null when an invitation was mailed.</param>
public sealed record CreatedUser(string Id, string? OneTimePassword, bool InvitationSent);

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateUser(string Id, string? ConcurrencyStamp, UserProfile Profile) : ICommand<Result>;

/// <summary>The account actions of the users page.</summary>
public enum UserAction
{
    Lock,
    Unlock,
    Disable,
    Enable,
    ResetTwoFactor,
}

/// <summary>Locks or unlocks, disables or enables a user, or resets their two-factor sign-in; open sessions of a locked or disabled user end.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ChangeUserAccount(string Id, UserAction Action) : ICommand<Result>;

public sealed class ListUsersValidator : IValidator<ListUsers>
{
    public IEnumerable<string> Validate(ListUsers message)
    {
        foreach (var problem in Paging.Validate(message.PageIndex, message.PageSize))
        {
            yield return problem;
        }

        if (message.Search is { Length: > 100 })
        {
            yield return "The search text is too long.";
        }
    }
}

public sealed class CreateUserValidator : IValidator<CreateUser>
{
    public IEnumerable<string> Validate(CreateUser message)
    {
        var name = message.UserName?.Trim() ?? string.Empty;
        if (name.Length is < 3 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '@'))
        {
            yield return "The user name must be 3 to 64 letters, digits, dots, hyphens, underscores or @.";
        }

        foreach (var problem in UserRules.Validate(message.Profile))
        {
            yield return problem;
        }
    }
}

public sealed class UpdateUserValidator : IValidator<UpdateUser>
{
    public IEnumerable<string> Validate(UpdateUser message) => UserRules.Validate(message.Profile);
}

public sealed class ChangeUserAccountValidator : IValidator<ChangeUserAccount>
{
    public IEnumerable<string> Validate(ChangeUserAccount message)
    {
        if (!Enum.IsDefined(message.Action))
        {
            yield return "Unknown account action.";
        }
    }
}

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

    public static async Task<string> DescribeAsync(UserManager<ApplicationUser> users, ImagePortalDbContext db, ApplicationUser user)
    {
        var roles = await users.GetRolesAsync(user);
        var facility = user.FacilityId is { } id ? await db.Facilities.Where(f => f.Id == id).Select(f => f.Code).FirstOrDefaultAsync() : null;
        var locked = user.LockoutEnd is { } end && end > DateTimeOffset.UtcNow;
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

public sealed class ListUsersHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, TimeProvider clock)
    : IQueryHandler<ListUsers, Result<Page<UserRow>>>
{
    public async ValueTask<Result<Page<UserRow>>> Handle(ListUsers query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var users = db.Users.AsNoTracking();
        if (!access.IsNetworkAdmin)
        {
            var own = access.OwnFacilityId;
            users = users.Where(u => u.FacilityId == own);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim();
            users = users.Where(u => u.UserName!.Contains(search) || u.DisplayName.Contains(search) || (u.Email != null && u.Email.Contains(search)));
        }

        var total = await users.CountAsync(cancellationToken);
        var page = await users.OrderBy(u => u.UserName).ThenBy(u => u.Id).Skip(query.PageIndex * query.PageSize).Take(query.PageSize).ToListAsync(cancellationToken);
        var ids = page.Select(u => u.Id).ToList();
        var roles = await (from ur in db.UserRoles
                           join r in db.Roles on ur.RoleId equals r.Id
                           where ids.Contains(ur.UserId)
                           select new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var facilityIds = page.Where(u => u.FacilityId != null).Select(u => u.FacilityId!.Value).Distinct().ToList();
        var codes = await db.Facilities.Where(f => facilityIds.Contains(f.Id)).ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        var now = clock.GetUtcNow();
        var rows = page.Select(u => new UserRow(
            u.Id, u.UserName!, u.DisplayName, u.Email, u.FacilityId, u.FacilityId is { } f ? codes.GetValueOrDefault(f) : null,
            [.. roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order()],
            u.LockoutEnd is { } end && end > now, u.IsDisabled, u.TwoFactorEnabled, u.MustChangePassword, u.ConcurrencyStamp)).ToList();
        return new Page<UserRow>(rows, total, query.PageIndex, query.PageSize);
    }
}

public sealed class CreateUserHandler(
    UserManager<ApplicationUser> users, IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, TimeProvider clock, InvitationMailer mailer)
    : ICommandHandler<CreateUser, Result<CreatedUser>>
{
    public async ValueTask<Result<CreatedUser>> Handle(CreateUser command, CancellationToken cancellationToken)
    {
        var profile = command.Profile;
        if (await UserRules.CheckAsync(access, profile, "Creating a user", cancellationToken) is { } refused)
        {
            return Result<CreatedUser>.FromFailure(refused.Failure!);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (profile.FacilityId is { } facilityId && !await db.Facilities.AnyAsync(f => f.Id == facilityId, cancellationToken))
        {
            return Result<CreatedUser>.NotFound(AdminAccess.NotFoundMessage);
        }

        var userName = command.UserName.Trim();
        if (await users.FindByNameAsync(userName) is not null)
        {
            return Result<CreatedUser>.Invalid($"The user name {userName} is taken.");
        }

        var user = new ApplicationUser
        {
            UserName = userName,
            Email = string.IsNullOrWhiteSpace(profile.Email) ? null : profile.Email.Trim(),
            DisplayName = profile.DisplayName.Trim(),
            FacilityId = profile.FacilityId,
            CreatedAt = clock.GetUtcNow(),
            // The administrator typed the address: mail may go there (invitations, notifications).
            EmailConfirmed = !string.IsNullOrWhiteSpace(profile.Email),
        };
        var created = await users.CreateAsync(user);
        if (!created.Succeeded)
        {
            return Result<CreatedUser>.Invalid(UserRules.Problems(created));
        }

        var roles = await users.AddToRolesAsync(user, profile.Roles.Distinct());
        if (!roles.Succeeded)
        {
            await users.DeleteAsync(user);
            return Result<CreatedUser>.Invalid(UserRules.Problems(roles));
        }

        var invited = false;
        if (mailer.IsEnabled && user.Email is { } email)
        {
            var token = await users.GeneratePasswordResetTokenAsync(user);
            var code = Microsoft.AspNetCore.WebUtilities.WebEncoders.Base64UrlEncode(System.Text.Encoding.UTF8.GetBytes(token));
            invited = await mailer.SendAsync(email, user.DisplayName, userName,
                $"/Account/ChoosePassword?userId={Uri.EscapeDataString(user.Id)}&code={code}", cancellationToken);
        }

        string? password = null;
        if (!invited)
        {
            password = UserRules.NewOneTimePassword();
            user.MustChangePassword = true;
            var set = await users.AddPasswordAsync(user, password);
            if (!set.Succeeded)
            {
                await users.DeleteAsync(user);
                return Result<CreatedUser>.Invalid(UserRules.Problems(set));
            }
        }

        await access.ChangedAsync(AuditAction.Create, $"User {userName} created with {(invited ? "an invitation e-mail" : "a one-time password")}", null,
            await UserRules.DescribeAsync(users, db, user), userName, cancellationToken);
        return new CreatedUser(user.Id, password, invited);
    }
}

public sealed class UpdateUserHandler(
    UserManager<ApplicationUser> users, IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access)
    : ICommandHandler<UpdateUser, Result>
{
    public async ValueTask<Result> Handle(UpdateUser command, CancellationToken cancellationToken)
    {
        var user = await UserRules.FindManageableAsync(users, access, command.Id, "Editing a user", cancellationToken);
        if (user is null)
        {
            return Result.NotFound(UserRules.NotFoundMessage);
        }

        if (await UserRules.CheckAsync(access, command.Profile, "Editing a user", cancellationToken) is { } refused)
        {
            return refused;
        }

        if (command.ConcurrencyStamp is not null && user.ConcurrencyStamp != command.ConcurrencyStamp)
        {
            return Result.Conflict($"{user.UserName} was changed by someone else meanwhile. Reload the page and make your change again.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var profile = command.Profile;
        if (profile.FacilityId is { } facilityId && !await db.Facilities.AnyAsync(f => f.Id == facilityId, cancellationToken))
        {
            return Result.NotFound(AdminAccess.NotFoundMessage);
        }

        var before = await UserRules.DescribeAsync(users, db, user);
        var current = await users.GetRolesAsync(user);
        var wanted = profile.Roles.Distinct().ToList();
        var facilityChanged = user.FacilityId != profile.FacilityId;
        user.DisplayName = profile.DisplayName.Trim();
        user.Email = string.IsNullOrWhiteSpace(profile.Email) ? null : profile.Email.Trim();
        user.FacilityId = profile.FacilityId;
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            return updated.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.ConcurrencyFailure))
                ? Result.Conflict($"{user.UserName} was changed by someone else at the same moment. Reload the page and make your change again.")
                : Result.Invalid(UserRules.Problems(updated));
        }

        var removed = current.Except(wanted).ToList();
        var added = wanted.Except(current).ToList();
        if (removed.Count > 0 && !(await users.RemoveFromRolesAsync(user, removed)).Succeeded)
        {
            return Result.Conflict("The roles could not be changed; reload the page and try again.");
        }

        if (added.Count > 0 && !(await users.AddToRolesAsync(user, added)).Succeeded)
        {
            return Result.Conflict("The roles could not be changed; reload the page and try again.");
        }

        if (removed.Count > 0 || added.Count > 0 || facilityChanged)
        {
            // Roles and facility live in the sign-in ticket: a new stamp makes open sessions sign in again with the new ones.
            await users.UpdateSecurityStampAsync(user);
        }

        await access.ChangedAsync(AuditAction.Update, $"User {user.UserName} edited", before, await UserRules.DescribeAsync(users, db, user),
            user.UserName!, cancellationToken);
        return Result.Success();
    }
}

public sealed class ChangeUserAccountHandler(
    UserManager<ApplicationUser> users, IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, ICurrentUser current)
    : ICommandHandler<ChangeUserAccount, Result>
{
    public async ValueTask<Result> Handle(ChangeUserAccount command, CancellationToken cancellationToken)
    {
        var user = await UserRules.FindManageableAsync(users, access, command.Id, $"{command.Action} of a user", cancellationToken);
        if (user is null)
        {
            return Result.NotFound(UserRules.NotFoundMessage);
        }

        if (user.Id == current.UserId && command.Action is UserAction.Lock or UserAction.Disable)
        {
            return Result.Invalid("You cannot lock or disable your own account.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var before = await UserRules.DescribeAsync(users, db, user);
        var outcome = command.Action switch
        {
            UserAction.Lock => await users.SetLockoutEndDateAsync(user, DateTimeOffset.MaxValue),
            UserAction.Unlock => await UnlockAsync(user),
            UserAction.Disable => await SetDisabledAsync(user, true),
            UserAction.Enable => await SetDisabledAsync(user, false),
            UserAction.ResetTwoFactor => await ResetTwoFactorAsync(user),
            _ => throw new InvalidOperationException("Validated above."),
        };
        if (!outcome.Succeeded)
        {
            return Result.Conflict(UserRules.Problems(outcome));
        }

        if (command.Action is UserAction.Lock or UserAction.Disable)
        {
            // The revalidating authentication state provider ends open sessions once the stamp has changed.
            await users.UpdateSecurityStampAsync(user);
        }

        await access.ChangedAsync(AuditAction.Update, $"User {user.UserName}: {command.Action}", before, await UserRules.DescribeAsync(users, db, user),
            user.UserName!, cancellationToken);
        return Result.Success();
    }

    private async Task<IdentityResult> UnlockAsync(ApplicationUser user)
    {
        var result = await users.SetLockoutEndDateAsync(user, null);
        return result.Succeeded ? await users.ResetAccessFailedCountAsync(user) : result;
    }

    private async Task<IdentityResult> SetDisabledAsync(ApplicationUser user, bool disabled)
    {
        user.IsDisabled = disabled;
        return await users.UpdateAsync(user);
    }

    private async Task<IdentityResult> ResetTwoFactorAsync(ApplicationUser user)
    {
        var result = await users.SetTwoFactorEnabledAsync(user, false);
        if (!result.Succeeded)
        {
            return result;
        }

        // A new key (and security stamp): the old authenticator app's codes stop working; the user enrols again.
        result = await users.ResetAuthenticatorKeyAsync(user);
        return result.Succeeded ? await users.SetAuthenticationTokenAsync(user, "[AspNetUserStore]", "RecoveryCodes", string.Empty) : result;
    }
}
