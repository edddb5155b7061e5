namespace ImagePortal.Web.Security;

/// <summary>The <c>Security</c> section: which sites may talk to the portal's hub, and how fast one address may try passwords.</summary>
public sealed class SecuritySettings
{
    public const string SectionName = "Security";

    /// <summary>
    /// Origins (scheme://host[:port]) whose pages may open the live-page hub. Empty: only the origin the request itself
    /// was made to. Set it to the public address when a proxy rewrites the host or scheme.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Sign-in posts (password, two-factor code, recovery code) one client address may make per window.</summary>
    public int SignInAttemptLimit { get; set; } = 10;

    public TimeSpan SignInAttemptWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Addresses of the reverse proxies in front of the portal. Only a request from one of them may say, in
    /// X-Forwarded-For and X-Forwarded-Proto, which client and scheme it came from; that address is then the one the
    /// audit trail records and the sign-in limit counts. Empty: no forwarded header is believed.
    /// </summary>
    public List<string> KnownProxies { get; set; } = [];
}
