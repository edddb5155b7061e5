namespace ImagePortal.Tests.Interop;

/// <summary>
/// The retrieval portal of <see cref="RetrievalFixture"/> whose attempts end when nothing moves for two seconds
/// (<c>Retrieval:StallTimeout</c>) and whose DICOMweb attempts time out after two: an upload must show progress.
/// </summary>
public sealed class SlowStowFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StallTimeout"] = "00:00:02",
        ["DicomWeb:AttemptTimeout"] = "00:00:02",
        ["DicomWeb:MaxRetryAttempts"] = "1",
        ["DicomWeb:RetryDelay"] = "00:00:00.050",
    };
}
