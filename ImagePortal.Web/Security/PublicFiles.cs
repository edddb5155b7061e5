using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Security;

/// <summary>
/// The static files (wwwroot, the packages' assets) are public and the same for everyone: the session is not read for
/// them. Reading it checks the user's security stamp (a database query at every request, <c>ValidationInterval</c> zero)
/// and renews the session cookie, and a response that renews the cookie is marked "no-cache, no-store": a signed-in
/// browser cached no script at all, and fetched the viewer's 3.4 MB whole at every view. The session cookie's scheme
/// forwards a static file's authentication to <see cref="Scheme"/>, which finds nobody (the files allow anonymous users).
/// </summary>
public static class PublicFiles
{
    /// <summary>The scheme a static file's authentication is forwarded to.</summary>
    public const string Scheme = "PublicFile";

    /// <summary>Whether the request is for a static file (routing has chosen its endpoint before authentication runs).</summary>
    public static bool IsRequested(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<StaticAssetDescriptor>() is not null;

    /// <summary>For the session cookie's <c>ForwardDefaultSelector</c>: <see cref="Scheme"/> for a static file, else the cookie itself.</summary>
    public static string? SchemeFor(HttpContext context) => IsRequested(context) ? Scheme : null;

    /// <summary>Nobody is signed in for a static file.</summary>
    public sealed class Handler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());
    }
}
