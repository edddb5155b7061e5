using Microsoft.AspNetCore.Identity;

namespace ImagePortal.Infrastructure.Identity;

/// <summary>A person who signs in. Belongs to one facility, or to none for network-wide staff.</summary>
public sealed class ApplicationUser : IdentityUser
{
    public string DisplayName { get; set; } = string.Empty;

    public Guid? FacilityId { get; set; }

    /// <summary>A disabled user cannot sign in, and their open sessions end at the next revalidation.</summary>
    public bool IsDisabled { get; set; }

    /// <summary>Set when an administrator handed over a one-time password; the user must choose their own first.</summary>
    public bool MustChangePassword { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastSignInAt { get; set; }
}
