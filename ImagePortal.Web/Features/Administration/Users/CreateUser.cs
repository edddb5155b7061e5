using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>
/// Creates a user. With SMTP configured and an e-mail address given, the user is mailed a link to choose their
/// password; otherwise (or when the mail cannot be sent) the administrator gets a generated one-time password to
/// hand over, shown once and to be changed at the first sign-in.
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CreateUser(string UserName, UserProfile Profile) : ICommand<Result<CreatedUser>>;

/// <param name="OneTimePassword">Shown to the administrator once (the portal keeps only its hash); null when an invitation was mailed.</param>
public sealed record CreatedUser(string Id, string? OneTimePassword, bool InvitationSent);

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
            await UserRules.DescribeAsync(users, db, user, clock.GetUtcNow()), userName, cancellationToken);
        return new CreatedUser(user.Id, password, invited);
    }
}
