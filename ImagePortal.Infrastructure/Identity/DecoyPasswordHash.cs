using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace ImagePortal.Infrastructure.Identity;

/// <summary>
/// A hash of a random password, made once with the portal's own hasher: a sign-in that cannot check a real hash (no such
/// user, account locked or disabled) checks this one instead, so it costs as long as a wrong password and its timing
/// does not tell which user names exist.
/// </summary>
public sealed class DecoyPasswordHash
{
    private string? _hash;

    public void Verify(IPasswordHasher<ApplicationUser> hasher, string password)
    {
        var user = new ApplicationUser();
        var hash = LazyInitializer.EnsureInitialized(ref _hash, () => hasher.HashPassword(user, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
        hasher.VerifyHashedPassword(user, hash, password);
    }
}
