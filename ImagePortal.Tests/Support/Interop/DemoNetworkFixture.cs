using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>One portal with the demo on for the whole class: the demo PACS on free ports through the seed.</summary>
public sealed class DemoNetworkFixture : IAsyncLifetime
{
    /// <summary>The seeded facilities in the order of appsettings.json's <c>Seed:Facilities</c>.</summary>
    public static readonly string[] Codes = DemoPorts.Codes;

    private readonly PortalApp _app = new(startServer: false, new Dictionary<string, string?> { ["Demo:Enabled"] = "true" }, ports: DemoPorts.Create());

    public IReadOnlyDictionary<string, int> Ports { get; private set; } = new Dictionary<string, int>();

    public IReadOnlyList<DemoPacs> Pacs { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        Ports = DemoPorts.Of(_app.Ports);
        Pacs = await _app.Services.GetRequiredService<DemoNetwork>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
