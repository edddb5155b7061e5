using System.Globalization;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Interop;

/// <summary>A portal that runs its retrieval workers and Storage SCP, with short leases and backoff so failures show fast.</summary>
public class RetrievalFixture : UseCaseFixture
{
    public int ScpPort { get; } = FreePort.Next();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Portal:Role"] = "all",
        ["Dicom:Port"] = ScpPort.ToString(CultureInfo.InvariantCulture),
        ["Retrieval:Concurrency"] = "2",
        ["Retrieval:PollInterval"] = "00:00:00.200",
        ["Retrieval:LeaseDuration"] = "00:00:05",
        ["Retrieval:InitialBackoff"] = "00:00:00.300",
        ["Retrieval:MaxBackoff"] = "00:00:01",
        ["Retrieval:MaxAttempts"] = "3",
    };
}
