using System.Globalization;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Browser;

/// <summary>The portal with the demo on (its PACS on free ports).</summary>
public sealed class DemoBrowserFixture() : BrowserFixtureBase(Settings())
{
    private static Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?> { ["Demo:Enabled"] = "true" };
        for (var i = 0; i < 6; i++)
        {
            settings[$"Seed:Facilities:{i}:Nodes:0:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        }

        return settings;
    }
}
