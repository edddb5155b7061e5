using System.Globalization;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Interop;

/// <summary>A portal that runs its retrieval workers and Storage SCP, with short leases and backoff so failures show fast.</summary>
public class RetrievalFixture : UseCaseFixture
{
    /// <summary>The portal's Storage SCP port (known once the fixture started).</summary>
    public int ScpPort => StartedPorts[0];

    protected override PortalPorts Ports => new(1, ports => new Dictionary<string, string?> { ["Dicom:Port"] = ports[0].ToString(CultureInfo.InvariantCulture) });

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Portal:Role"] = "all",
        ["Retrieval:Concurrency"] = "2",
        ["Retrieval:PollInterval"] = "00:00:00.200",
        ["Retrieval:LeaseDuration"] = "00:00:05",
        ["Retrieval:InitialBackoff"] = "00:00:00.300",
        ["Retrieval:MaxBackoff"] = "00:00:01",
        ["Retrieval:MaxAttempts"] = "3",
    };
}
