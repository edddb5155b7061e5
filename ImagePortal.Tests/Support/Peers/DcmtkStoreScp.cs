namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// DCMTK <c>storescp</c> on a free port with its own output folder. DCMTK 3.6.7 has no option to bind
/// one address, so it listens on the wildcard address of that port; tests only ever connect to 127.0.0.1.
/// </summary>
public sealed class DcmtkStoreScp : IAsyncDisposable
{
    private readonly PeerProcess _process;
    private readonly TempDirectory _folder;

    private DcmtkStoreScp(PeerProcess process, TempDirectory folder, int port, string aeTitle)
    {
        _process = process;
        _folder = folder;
        Port = port;
        AeTitle = aeTitle;
    }

    public int Port { get; }

    public string AeTitle { get; }

    public string OutputDirectory => _folder.Path;

    public string Output => _process.Output;

    public IReadOnlyList<string> ReceivedFiles => Directory.GetFiles(_folder.Path, "*", SearchOption.AllDirectories);

    /// <param name="tcpNoDelay">Sets DCMTK's <c>TCP_NODELAY</c> environment variable (DICOM_NOTES: Nagle on by default).</param>
    /// <param name="tls">Listen for TLS only, with this key and certificate (PEM), requiring a client certificate from the CA file.</param>
    /// <param name="pickPort">Where its ports come from (<see cref="FreePort.Next"/>); a test of <see cref="PortRetry"/> hands out a taken one.</param>
    public static Task<DcmtkStoreScp> StartAsync(
        string aeTitle = "STORESCP", bool tcpNoDelay = false, bool ignoreData = false, CancellationToken cancellationToken = default,
        (string Key, string Certificate, string CaFile)? tls = null, Func<int>? pickPort = null) =>
        PortRetry.StartAsync("storescp", 1, (ports, ct) => StartOnAsync(ports[0], aeTitle, tcpNoDelay, ignoreData, tls, ct), cancellationToken, pickPort);

    private static async Task<DcmtkStoreScp> StartOnAsync(
        int port, string aeTitle, bool tcpNoDelay, bool ignoreData, (string Key, string Certificate, string CaFile)? tls, CancellationToken cancellationToken)
    {
        var executable = ExternalTools.Require("storescp", "dcmtk");
        var folder = new TempDirectory("storescp");
        List<string> arguments = ["-aet", aeTitle, "-od", folder.Path, "+xa", "--single-process", "-ta", "30"];
        if (ignoreData)
        {
            arguments.Add("--ignore");
        }

        if (tls is { } secure)
        {
            arguments.AddRange(["+tls", secure.Key, secure.Certificate, "+cf", secure.CaFile, "--require-peer-cert"]);
        }

        arguments.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var process = PeerProcess.Start(executable, arguments, folder.Path, Environment(tcpNoDelay));
        var peer = new DcmtkStoreScp(process, folder, port, aeTitle);
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

    public async Task WaitForFilesAsync(int count, TimeSpan timeout, CancellationToken cancellationToken) =>
        await _process.WaitUntilAsync(_ => Task.FromResult(ReceivedFiles.Count >= count), $"{count} received files", timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _folder.Dispose();
    }

    internal static IReadOnlyDictionary<string, string> Environment(bool tcpNoDelay) =>
        new Dictionary<string, string> { ["TCP_NODELAY"] = tcpNoDelay ? "1" : "0" };
}
