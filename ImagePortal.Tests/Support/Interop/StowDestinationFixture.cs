namespace ImagePortal.Tests.Interop;

/// <summary>
/// The retrieval portal of <see cref="RetrievalFixture"/>, sending STOW-RS batches of two instances (so that a study
/// takes several), and a DICOMweb client that retries a failed request once, quickly.
/// </summary>
public sealed class StowDestinationFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StowBatchSize"] = "2",
        ["DicomWeb:MaxRetryAttempts"] = "1",
        ["DicomWeb:RetryDelay"] = "00:00:00.050",
    };
}
