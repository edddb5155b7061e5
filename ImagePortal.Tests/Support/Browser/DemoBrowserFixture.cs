using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Browser;

/// <summary>The portal with the demo on (its PACS on free ports).</summary>
public sealed class DemoBrowserFixture() : BrowserFixtureBase(new Dictionary<string, string?> { ["Demo:Enabled"] = "true" }, DemoPorts.Create());
