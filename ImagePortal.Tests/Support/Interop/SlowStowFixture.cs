namespace ImagePortal.Tests.Interop;

/// <summary>
/// The retrieval portal of <see cref="RetrievalFixture"/> whose attempts end when nothing moves for four seconds
/// (<c>Retrieval:StallTimeout</c>) and whose DICOMweb attempts time out after four: an upload must show progress. Four,
/// not less: the test process also runs the destination's stub, and under CI's load its thread pool once left a 25 ms
/// pause between two reads standing for over two seconds (the upload was then tried again).
/// </summary>
public sealed class SlowStowFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StallTimeout"] = "00:00:04",
        ["DicomWeb:AttemptTimeout"] = "00:00:04",
        ["DicomWeb:MaxRetryAttempts"] = "1",
        ["DicomWeb:RetryDelay"] = "00:00:00.050",
    };
}
