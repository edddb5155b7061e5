using System.Globalization;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// DCMTK <c>dcmqrscp</c> (query/retrieve SCP with its own storage area) on a free port with a temp config
/// and database folder; accepts any calling AE and moves to the <c>destinations</c> it was started with
/// (its HostTable). Like storescp it cannot be bound to one address. It runs in
/// its default fork mode (its single-process mode stops listening after the first association here); the
/// children go with the process tree on dispose.
/// </summary>
public sealed class DcmtkQrScp : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TempDirectory _folder;

    private DcmtkQrScp(PeerProcess process, TempDirectory folder, int port, string aeTitle)
    {
        _process = process;
        _folder = folder;
        Port = port;
        AeTitle = aeTitle;
    }

    public int Port { get; }

    public string AeTitle { get; }

    public string Output => _process.Output;

    public static Task<DcmtkQrScp> StartAsync(string aeTitle = "QRSCP", IEnumerable<DicomDestination>? destinations = null, CancellationToken cancellationToken = default)
    {
        var known = (destinations ?? []).ToList();
        return PortRetry.StartAsync("dcmqrscp", 1, (ports, ct) => StartOnAsync(ports[0], aeTitle, known, ct), cancellationToken);
    }

    private static async Task<DcmtkQrScp> StartOnAsync(int port, string aeTitle, IReadOnlyList<DicomDestination> destinations, CancellationToken cancellationToken)
    {
        var hosts = destinations.Select((d, i) => string.Create(CultureInfo.InvariantCulture, $"dest{i} = ({d.AeTitle}, {d.Host}, {d.Port})"));
        var executable = ExternalTools.Require("dcmqrscp", "dcmtk");
        var folder = new TempDirectory("dcmqrscp");
        var database = Directory.CreateDirectory(Path.Combine(folder.Path, "db")).FullName;
        var config = Path.Combine(folder.Path, "dcmqrscp.cfg");
        string[] lines =
        [
            $"NetworkTCPPort  = {port.ToString(CultureInfo.InvariantCulture)}",
            "MaxPDUSize      = 16384",
            "MaxAssociations = 16",
            "HostTable BEGIN",
            .. hosts,
            "HostTable END",
            "VendorTable BEGIN",
            "VendorTable END",
            "AETable BEGIN",
            $"{aeTitle} {database} RW (200, 1024mb) ANY",
            "AETable END",
            string.Empty,
        ];
        await File.WriteAllTextAsync(config, string.Join('\n', lines), cancellationToken);
        var process = PeerProcess.Start(executable, ["-c", config, port.ToString(CultureInfo.InvariantCulture)], folder.Path);
        var peer = new DcmtkQrScp(process, folder, port, aeTitle);
        try
        {
            await process.WaitForListeningAsync(port, TimeSpan.FromSeconds(20), cancellationToken);
            return peer;
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _folder.Dispose();
    }
}
