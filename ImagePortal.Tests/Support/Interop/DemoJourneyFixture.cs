using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>The demo network with retrieval workers on: what a newcomer does after <c>dotnet run</c>, without a browser.</summary>
public sealed class DemoJourneyFixture : UseCaseFixture
{
    /// <summary>Each facility's demo PACS port.</summary>
    public IReadOnlyDictionary<string, int> PacsPorts { get; private set; } = new Dictionary<string, int>();

    protected override PortalPorts Ports => DemoPorts.Create(storageScp: true);

    public IReadOnlyList<DemoPacs> Pacs { get; private set; } = [];

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Demo:Enabled"] = "true",
        ["Portal:Role"] = "all",
        ["Retrieval:PollInterval"] = "00:00:00.200",
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        PacsPorts = DemoPorts.Of(StartedPorts);
        Pacs = await Services.GetRequiredService<DemoNetwork>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
