using System.Globalization;
using ImagePortal.Infrastructure.Demo;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Support;

/// <summary>
/// The demo PACS of appsettings.json's six seeded facilities on picked ports (and the portal's Storage SCP on one more
/// when asked): a demo PACS whose port was taken only logs it and stays away, so the start fails then and is tried again.
/// </summary>
public static class DemoPorts
{
    /// <summary>The seeded facilities in the order of appsettings.json's <c>Seed:Facilities</c>.</summary>
    public static readonly string[] Codes = ["NVH", "SBR", "RCH", "LIC", "TCH", "WXC"];

    /// <param name="storageScp">One more port, the last, for the portal's Storage SCP (<c>Dicom:Port</c>).</param>
    public static PortalPorts Create(bool storageScp = false) => new(
        Codes.Length + (storageScp ? 1 : 0),
        ports =>
        {
            var settings = new Dictionary<string, string?>();
            for (var i = 0; i < Codes.Length; i++)
            {
                settings[$"Seed:Facilities:{i}:Nodes:0:Port"] = ports[i].ToString(CultureInfo.InvariantCulture);
            }

            if (storageScp)
            {
                settings["Dicom:Port"] = ports[Codes.Length].ToString(CultureInfo.InvariantCulture);
            }

            return settings;
        },
        async (app, ct) =>
        {
            // The demo generates its studies in the background on first start; well under 15 s is the promise.
            var pacs = await app.Services.GetRequiredService<DemoNetwork>().Ready.WaitAsync(TimeSpan.FromSeconds(60), ct);
            var missing = Codes.Except(pacs.Select(p => p.FacilityCode)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidOperationException($"The demo PACS of {string.Join(", ", missing)} did not start: address in use.");
            }
        });

    /// <summary>Each facility's demo PACS port, from the ports the portal started on.</summary>
    public static IReadOnlyDictionary<string, int> Of(IReadOnlyList<int> ports) =>
        Codes.Select((code, i) => (code, i)).ToDictionary(c => c.code, c => ports[c.i]);
}
