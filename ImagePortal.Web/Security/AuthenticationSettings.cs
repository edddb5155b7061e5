namespace ImagePortal.Web.Security;

/// <summary>The <c>Authentication</c> section: session lifetimes, lockout and two-factor rules.</summary>
public sealed class AuthenticationSettings
{
    public const string SectionName = "Authentication";

    /// <summary>A session with no activity for this long ends (sliding).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>A session ends this long after the password was entered, however active.</summary>
    public TimeSpan AbsoluteLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How often an open page re-checks that its user still may work (signed out, disabled, role change).</summary>
    public TimeSpan RevalidationInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Live-page circuits one user may hold at once (tabs, windows, and disconnected ones not yet released); a further
    /// one is refused with a message and a security alert.
    /// </summary>
    public int MaxCircuitsPerUser { get; set; } = 5;

    /// <summary>
    /// How long the server keeps the circuit of a page whose connection dropped, so that it can reconnect; after that it
    /// is released and no longer counts towards <see cref="MaxCircuitsPerUser"/>.
    /// </summary>
    public TimeSpan DisconnectedCircuitRetention { get; set; } = TimeSpan.FromMinutes(3);

    public int MaxFailedAccessAttempts { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Users holding any of these roles must set up an authenticator app before they can work.</summary>
    public List<string> RequireTwoFactorForRoles { get; set; } = [];
}
