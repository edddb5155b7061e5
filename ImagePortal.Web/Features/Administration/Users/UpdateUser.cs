using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record UpdateUser(string Id, string? ConcurrencyStamp, UserProfile Profile) : ICommand<Result>;

public sealed class UpdateUserValidator : IValidator<UpdateUser>
{
    public IEnumerable<string> Validate(UpdateUser message) => UserRules.Validate(message.Profile);
}

public sealed class UpdateUserHandler(
    UserManager<ApplicationUser> users, IDbContextFactory<ImagePortalDbContext> dbFactory, AdminAccess access, TimeProvider clock)
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

        var before = await UserRules.DescribeAsync(users, db, user, clock.GetUtcNow());
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

        await access.ChangedAsync(AuditAction.Update, $"User {user.UserName} edited", before, await UserRules.DescribeAsync(users, db, user, clock.GetUtcNow()),
            user.UserName!, cancellationToken);
        return Result.Success();
    }
}
