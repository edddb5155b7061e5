using System.Globalization;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>The demo network with retrieval workers on: what a newcomer does after <c>dotnet run</c>, without a browser.</summary>
public sealed class DemoJourneyFixture : UseCaseFixture
{
    public IReadOnlyDictionary<string, int> Ports { get; } = DemoNetworkFixture.Codes.ToDictionary(c => c, _ => FreePort.Next());

    public IReadOnlyList<DemoPacs> Pacs { get; private set; } = [];

    protected override IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>
            {
                ["Demo:Enabled"] = "true",
                ["Portal:Role"] = "all",
                ["Dicom:Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["Retrieval:PollInterval"] = "00:00:00.200",
            };
            for (var i = 0; i < DemoNetworkFixture.Codes.Length; i++)
            {
                settings[$"Seed:Facilities:{i}:Nodes:0:Port"] = Ports[DemoNetworkFixture.Codes[i]].ToString(CultureInfo.InvariantCulture);
            }

            return settings;
        }
    }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Pacs = await Services.GetRequiredService<DemoNetwork>().Ready.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
