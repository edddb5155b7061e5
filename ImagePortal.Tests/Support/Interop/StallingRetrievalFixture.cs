namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose attempts end when nothing moves for two seconds (<c>Retrieval:StallTimeout</c>).</summary>
public sealed class StallingRetrievalFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StallTimeout"] = "00:00:02",
    };
}
