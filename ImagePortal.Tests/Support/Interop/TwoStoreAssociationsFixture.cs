namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose jobs store over two destination associations at once.</summary>
public sealed class TwoStoreAssociationsFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Retrieval:StoreAssociations"] = "2",
    };
}
