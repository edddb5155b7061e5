namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// One DICOMweb node as the client sees it: where its service root is, how to authenticate, how long to wait and how
/// much to accept. The retry policy is the HTTP client's (<see cref="DicomWebRegistration"/>), the same for every node.
/// </summary>
public sealed record DicomWebOptions
{
    /// <summary>The service root (PS3.18 §8.2), e.g. <c>https://pacs.example.org/dicom-web/</c>; the resources are below it.</summary>
    public required Uri BaseUrl { get; init; }

    public DicomWebAuthentication Authentication { get; init; } = DicomWebAuthentication.None;

    public string? UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>For <see cref="DicomWebAuthentication.Bearer"/> by <see cref="ClientCredentialsTokenProvider"/>: the OAuth 2.0 token endpoint.</summary>
    public Uri? TokenUrl { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    /// <summary>The scope asked for (Azure's DICOM service: <c>https://dicom.healthcareapis.azure.com/.default</c>); none when null.</summary>
    public string? Scope { get; init; }

    /// <summary>
    /// A CA certificate (PEM, or a bundle) that the node's TLS certificate must chain to, instead of the system trust store
    /// (<see cref="DicomWebTransport"/>); null trusts the system store.
    /// </summary>
    public string? PinnedCaPem { get; init; }

    /// <summary>
    /// How long to wait for an answer to begin (its status and headers), retries included; the body then streams. While a
    /// request's body is sent (STOW-RS), it counts from the last bytes the node accepted, then from the body's end.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The largest QIDO-RS or STOW-RS answer (DICOM JSON) accepted; a larger one is refused, not buffered.</summary>
    public long MaxJsonBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>The largest WADO-RS answer accepted, all parts together; a study larger than this is refused part-way.</summary>
    public long MaxRetrieveBytes { get; init; } = 64L * 1024 * 1024 * 1024;

    /// <summary>The largest single instance (multipart part) accepted.</summary>
    public long MaxInstanceBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Instances sent in one STOW-RS request (one multipart body); a larger set goes in several.</summary>
    public int StowBatchSize { get; init; } = 50;

    /// <summary>A short text for messages: the service root without user info or query.</summary>
    public string Describe() => BaseUrl.GetLeftPart(UriPartial.Path);
}
