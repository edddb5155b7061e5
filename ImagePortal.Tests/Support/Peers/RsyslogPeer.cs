using System.Globalization;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A real syslog collector: Debian's rsyslogd on 127.0.0.1, receiving syslog over TLS (RFC 5425, its OpenSSL driver)
/// on a port of the test's choosing and writing what it receives, one message per line, to a file.
/// </summary>
public sealed class RsyslogPeer : IAsyncDisposable
{
    private readonly PeerProcess _process;

    private RsyslogPeer(PeerProcess process, string outputFile, int port)
    {
        _process = process;
        OutputFile = outputFile;
        Port = port;
    }

    /// <summary>The port it receives on.</summary>
    public int Port { get; }

    /// <summary>Each received message as "MSGID STRUCTURED-DATA MSG".</summary>
    public string OutputFile { get; }

    /// <param name="authMode">rsyslog's StreamDriver.AuthMode: "x509/certvalid" asks every client for a certificate from the CA.</param>
    /// <param name="permittedPeers">With "x509/name": the certificate names allowed to send.</param>
    /// <param name="port">The port a portal already sends to; null picks one (<see cref="PortRetry"/>), see <see cref="Port"/>.</param>
    public static Task<RsyslogPeer> StartAsync(
        string folder, int? port, string caFile, string certificateFile, string keyFile, string authMode = "x509/certvalid",
        IReadOnlyList<string>? permittedPeers = null, CancellationToken cancellationToken = default) =>
        port is { } given
            ? StartOnAsync(folder, given, caFile, certificateFile, keyFile, authMode, permittedPeers, cancellationToken)
            : PortRetry.StartAsync("rsyslogd", 1, (ports, ct) => StartOnAsync(folder, ports[0], caFile, certificateFile, keyFile, authMode, permittedPeers, ct), cancellationToken);

    private static async Task<RsyslogPeer> StartOnAsync(
        string folder, int port, string caFile, string certificateFile, string keyFile, string authMode,
        IReadOnlyList<string>? permittedPeers, CancellationToken cancellationToken)
    {
        var rsyslogd = ExternalTools.Require("rsyslogd", "rsyslog rsyslog-openssl");
        if (!Directory.GetDirectories("/usr/lib").Append("/usr/lib").Any(d => File.Exists(Path.Combine(d, "rsyslog", "lmnsd_ossl.so"))))
        {
            ExternalTools.Unavailable("rsyslog's OpenSSL driver (lmnsd_ossl.so) is missing: install it with 'apt-get install rsyslog-openssl'.");
        }

        Directory.CreateDirectory(folder);
        var output = Path.Combine(folder, "received.log");
        var permitted = permittedPeers is { Count: > 0 }
            ? $" PermittedPeer=[{string.Join(",", permittedPeers.Select(p => $"\"{p}\""))}]"
            : string.Empty;
        var config = Path.Combine(folder, "rsyslog.conf");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            global(workDirectory="{folder}" maxMessageSize="64k"
                   DefaultNetstreamDriver="ossl" DefaultNetstreamDriverCAFile="{caFile}"
                   DefaultNetstreamDriverCertFile="{certificateFile}" DefaultNetstreamDriverKeyFile="{keyFile}")
            module(load="imtcp" StreamDriver.Name="ossl" StreamDriver.Mode="1")
            template(name="audit" type="string" string="%msgid% %structured-data% %msg%\n")
            input(type="imtcp" address="127.0.0.1" port="{port}" StreamDriver.AuthMode="{authMode}"{permitted})
            action(type="omfile" file="{output}" template="audit")
            """), cancellationToken);

        var process = PeerProcess.Start(rsyslogd, ["-n", "-f", config, "-i", Path.Combine(folder, "rsyslogd.pid")], folder);
        var peer = new RsyslogPeer(process, output, port);
        try
        {
            await process.WaitForListeningAsync(port, TimeSpan.FromSeconds(20), cancellationToken);
        }
        catch
        {
            await peer.DisposeAsync();
            throw;
        }

        return peer;
    }

    public string Output => _process.Output;

    /// <summary>The lines received so far (none when nothing arrived yet).</summary>
    public IReadOnlyList<string> ReceivedLines()
    {
        if (!File.Exists(OutputFile))
        {
            return [];
        }

        using var stream = new FileStream(OutputFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
