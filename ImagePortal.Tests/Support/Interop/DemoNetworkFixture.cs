using System.Globalization;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>One portal with the demo on for the whole class: the demo PACS on free ports through the seed.</summary>
public sealed class DemoNetworkFixture : IAsyncLifetime
{
    /// <summary>The seeded facilities in the order of appsettings.json's <c>Seed:Facilities</c>.</summary>
    public static readonly string[] Codes = ["NVH", "SBR", "RCH", "LIC", "TCH", "WXC"];

    private readonly PortalApp _app;

    public DemoNetworkFixture()
    {
        Ports = Codes.ToDictionary(c => c, _ => FreePort.Next());
        var settings = new Dictionary<string, string?> { ["Demo:Enabled"] = "true" };
        for (var i = 0; i < Codes.Length; i++)
        {
            settings[$"Seed:Facilities:{i}:Nodes:0:Port"] = Ports[Codes[i]].ToString(CultureInfo.InvariantCulture);
        }

        _app = new PortalApp(startServer: false, settings);
    }

    public IReadOnlyDictionary<string, int> Ports { get; }

    public IReadOnlyList<DemoPacs> Pacs { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        // The demo generates its studies in the background on first start; well under 15 s is the promise.
        Pacs = await _app.Services.GetRequiredService<DemoNetwork>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
