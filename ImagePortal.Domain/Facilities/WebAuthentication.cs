namespace ImagePortal.Domain.Facilities;

/// <summary>How the portal proves itself to a DICOMweb node.</summary>
public enum WebAuthentication
{
    None = 0,

    /// <summary>HTTP basic (RFC 7617): a user name and a password.</summary>
    Basic = 1,

    /// <summary>A bearer token from an OAuth 2.0 client-credentials grant (RFC 6749 4.4): token URL, client id and secret.</summary>
    ClientCredentials = 2,
}
