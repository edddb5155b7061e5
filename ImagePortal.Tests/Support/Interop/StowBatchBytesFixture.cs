namespace ImagePortal.Tests.Interop;

/// <summary>The retrieval portal of <see cref="RetrievalFixture"/> with STOW-RS batches of up to 50 instances but only 1 byte: each instance goes alone.</summary>
public sealed class StowBatchBytesFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StowBatchSize"] = "50",
        ["Retrieval:StowBatchBytes"] = "1",
    };
}
