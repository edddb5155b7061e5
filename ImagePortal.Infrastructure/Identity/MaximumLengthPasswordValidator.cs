using Microsoft.AspNetCore.Identity;

namespace ImagePortal.Infrastructure.Identity;

/// <summary>
/// OWASP ASVS 5 (V6.2): passwords of at least 12 and up to at least 64 characters, no composition rules. We allow
/// 128; anything longer is refused so that hashing cannot be abused with megabyte-sized "passwords".
/// </summary>
public sealed class MaximumLengthPasswordValidator : IPasswordValidator<ApplicationUser>
{
    public const int MaximumLength = 128;

    public Task<IdentityResult> ValidateAsync(UserManager<ApplicationUser> manager, ApplicationUser user, string? password) =>
        Task.FromResult(password is { Length: > MaximumLength }
            ? IdentityResult.Failed(new IdentityError
            {
                Code = "PasswordTooLong",
                Description = $"Passwords must be at most {MaximumLength} characters.",
            })
            : IdentityResult.Success);
}
