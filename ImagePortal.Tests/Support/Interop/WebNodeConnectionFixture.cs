namespace ImagePortal.Tests.Support.Interop;

/// <summary>The portal's use cases with a short DICOMweb retry delay and one retry, so that refused connections fail fast.</summary>
public sealed class WebNodeConnectionFixture : UseCaseFixture
{
    internal static readonly IReadOnlyDictionary<string, string?> FastRetry = new Dictionary<string, string?>
    {
        ["DicomWeb:RetryDelay"] = "00:00:00.020",
        ["DicomWeb:MaxRetryAttempts"] = "1",
    };

    protected override IReadOnlyDictionary<string, string?>? Settings => FastRetry;
}
