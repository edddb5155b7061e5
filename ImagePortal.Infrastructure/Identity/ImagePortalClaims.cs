namespace ImagePortal.Infrastructure.Identity;

/// <summary>Claims the portal adds to the sign-in ticket beside Identity's own.</summary>
public static class ImagePortalClaims
{
    public const string FacilityId = "ip:facility_id";
    public const string DisplayName = "ip:display_name";

    /// <summary>"true" when the user has an authenticator app enrolled.</summary>
    public const string TwoFactorEnabled = "ip:2fa";

    /// <summary>"true" while the user still has the one-time password an administrator handed over.</summary>
    public const string MustChangePassword = "ip:must_change_password";

    /// <summary>When the user signed in with their password (UTC ticks); bounds the session's absolute lifetime.</summary>
    public const string AuthenticatedAt = "ip:auth_time";
}
