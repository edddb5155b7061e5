using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>
/// Where a DICOMweb node's service root is (PS3.18 8.2) and how to authenticate to it, without its secret: the password
/// or client secret is kept apart, encrypted by the portal (<see cref="DicomNode.ProtectedSecret"/>).
/// </summary>
public sealed record DicomWebEndpoint
{
    public const int MaxUrlLength = 2000;
    public const int MaxNameLength = 200;
    public const int MaxPinnedCaLength = 16_000;
    public const int MinTimeoutSeconds = 1;
    public const int MaxTimeoutSeconds = 3600;

    private DicomWebEndpoint(Uri baseUrl, WebAuthentication authentication, string? userName, Uri? tokenUrl, string? clientId,
        string? scope, string? pinnedCaPem, int timeoutSeconds)
    {
        BaseUrl = baseUrl;
        Authentication = authentication;
        UserName = userName;
        TokenUrl = tokenUrl;
        ClientId = clientId;
        Scope = scope;
        PinnedCaPem = pinnedCaPem;
        TimeoutSeconds = timeoutSeconds;
    }

    /// <summary>The service root, ending in '/', e.g. <c>https://pacs.example.org/dicom-web/</c>.</summary>
    public Uri BaseUrl { get; }

    public WebAuthentication Authentication { get; }

    /// <summary>For <see cref="WebAuthentication.Basic"/>.</summary>
    public string? UserName { get; }

    /// <summary>For <see cref="WebAuthentication.ClientCredentials"/>: the OAuth 2.0 token endpoint.</summary>
    public Uri? TokenUrl { get; }

    public string? ClientId { get; }

    /// <summary>The scope asked for with the token, none when null.</summary>
    public string? Scope { get; }

    /// <summary>A CA certificate (PEM) that the node's TLS certificate must chain to, instead of the system trust store.</summary>
    public string? PinnedCaPem { get; }

    /// <summary>How long to wait for an answer to begin.</summary>
    public int TimeoutSeconds { get; }

    /// <summary>Validates everything and builds the endpoint; a bad value is a <see cref="DomainException"/> naming it.</summary>
    public static DicomWebEndpoint Create(string? baseUrl, WebAuthentication authentication, string? userName = null,
        string? tokenUrl = null, string? clientId = null, string? scope = null, string? pinnedCaPem = null, int timeoutSeconds = 60)
    {
        var root = ParseUrl(baseUrl, "The base URL");
        if (!root.AbsolutePath.EndsWith('/'))
        {
            root = new Uri(root.GetLeftPart(UriPartial.Path) + "/" + root.Query);
        }

        if (!Enum.IsDefined(authentication))
        {
            throw new DomainException(UnknownAuthentication);
        }

        var user = Guard.Optional(userName, "The user name", MaxNameLength);
        var client = Guard.Optional(clientId, "The client id", MaxNameLength);
        var validScope = Guard.Optional(scope, "The scope", MaxUrlLength);
        Uri? token = null;
        switch (authentication)
        {
            case WebAuthentication.Basic when user is null:
                throw new DomainException(BasicNeedsUser);
            case WebAuthentication.Basic when user.Contains(':'):
                throw new DomainException("The user name of HTTP basic authentication may not contain ':'.");
            case WebAuthentication.ClientCredentials:
                token = ParseUrl(tokenUrl, "The token URL");
                if (client is null)
                {
                    throw new DomainException(ClientCredentialsNeedClient);
                }

                break;
        }

        var ca = PinnedCa(pinnedCaPem);
        if (ca is not null && !ca.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new DomainException("The pinned CA must be a PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        if (ca is not null && root.Scheme != Uri.UriSchemeHttps)
        {
            throw new DomainException("A pinned CA needs an https base URL.");
        }

        if (timeoutSeconds is < MinTimeoutSeconds or > MaxTimeoutSeconds)
        {
            throw new DomainException($"The timeout must be between {MinTimeoutSeconds} and {MaxTimeoutSeconds} seconds.");
        }

        return new DicomWebEndpoint(root, authentication,
            authentication == WebAuthentication.Basic ? user : null,
            token,
            authentication == WebAuthentication.ClientCredentials ? client : null,
            authentication == WebAuthentication.ClientCredentials ? validScope : null,
            ca, timeoutSeconds);
    }

    /// <summary>Whether the authentication needs a secret (a password or a client secret).</summary>
    public bool NeedsSecret => Authentication != WebAuthentication.None;

    /// <summary>The service root without query, for messages and lists.</summary>
    public string Describe() => BaseUrl.GetLeftPart(UriPartial.Path);

    /// <summary>PEM is lines: line breaks are kept (as '\n'), other control characters refused.</summary>
    private static string? PinnedCa(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        var text = pem.Trim().ReplaceLineEndings("\n");
        if (text.Length > MaxPinnedCaLength)
        {
            throw new DomainException($"The pinned CA certificate must be at most {MaxPinnedCaLength} characters.");
        }

        return text.Any(c => char.IsControl(c) && c != '\n')
            ? throw new DomainException("The pinned CA certificate must not contain control characters other than line breaks.")
            : text;
    }

    /// <summary>An absolute http or https URL without user info or fragment: credentials never live in a URL.</summary>
    private static Uri ParseUrl(string? text, string what)
    {
        var value = Guard.Required(text, what, MaxUrlLength);
        if (!Uri.TryCreate(value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new DomainException($"{what} must be an absolute http:// or https:// URL.");
        }

        if (url.UserInfo.Length > 0)
        {
            throw new DomainException($"{what} may not hold a user name or password; use the authentication settings.");
        }

        if (url.Fragment.Length > 0)
        {
            throw new DomainException($"{what} may not have a fragment (#...).");
        }

        DicomNode.ValidateHost(url.IdnHost.Trim('[', ']'));
        return url;
    }

    public const string UnknownAuthentication = "Unknown authentication.";

    public const string BasicNeedsUser = "HTTP basic authentication needs a user name.";

    public const string ClientCredentialsNeedClient = "OAuth 2.0 client credentials need a client id.";
}
