using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Browser;

/// <summary>The demo as a newcomer meets it: demo PACS on free ports, retrieval workers and the Storage SCP on.</summary>
public sealed class DemoWorkersBrowserFixture() : BrowserFixtureBase(Settings(), DemoPorts.Create(storageScp: true))
{
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Demo:Enabled"] = "true",
        ["Portal:Role"] = "all",
        ["Retrieval:PollInterval"] = "00:00:00.200",
        // A transient failure on a loaded machine retries within a second, not after the production 30 s.
        ["Retrieval:InitialBackoff"] = "00:00:01",
        ["Retrieval:MaxBackoff"] = "00:00:02",
    };
}
