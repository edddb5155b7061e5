namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>The retry and timeout policy of every DICOMweb request, the same for all nodes; <see cref="SectionName"/> is the configuration section to bind it from.</summary>
public sealed class DicomWebHttpOptions
{
    public const string SectionName = "DicomWeb";

    /// <summary>Retries after the first attempt, for 5xx, 408, 429 and broken connections; never for other 4xx.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay; later ones back off exponentially, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one attempt may take to begin answering. A request with a body (STOW-RS) may take longer to send it:
    /// the time counts from the last bytes the node accepted, then from the body's end (<see cref="UploadTimeoutHandler"/>).
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
