namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose spool holds less than one of the test's instances.</summary>
public sealed class TinySpoolRetrievalFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:SpoolLimitBytes"] = "600",
        ["Retrieval:MaxAttempts"] = "2",
    };
}
