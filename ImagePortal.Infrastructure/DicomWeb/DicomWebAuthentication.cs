namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>How a DICOMweb node proves who the portal is.</summary>
public enum DicomWebAuthentication
{
    None,

    /// <summary>HTTP basic (RFC 7617) with <see cref="DicomWebOptions.UserName"/> and <see cref="DicomWebOptions.Password"/>.</summary>
    Basic,

    /// <summary>A bearer token (RFC 6750) from the <see cref="IDicomWebTokenProvider"/> registered for the client.</summary>
    Bearer,
}
