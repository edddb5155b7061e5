using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

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

public sealed class ChangeUserAccountHandler(
    UserManager<ApplicationUser> users, IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, ICurrentUser current, TimeProvider clock)
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
        var before = await UserRules.DescribeAsync(users, db, user, clock.GetUtcNow());
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

        await access.ChangedAsync(AuditAction.Update, $"User {user.UserName}: {command.Action}", before, await UserRules.DescribeAsync(users, db, user, clock.GetUtcNow()),
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
