using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// One TLS connection to the syslog collector (RFC 5425): TLS 1.2 or 1.3, the collector's certificate checked against
/// the pinned CA (or the system's trust store) and its name, the portal's own certificate offered for mutual
/// authentication where one is configured.
/// </summary>
public sealed class SyslogTlsConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly SslStream _stream;
    private readonly SyslogExportOptions _options;
    private bool _accepted;

    private SyslogTlsConnection(TcpClient client, SslStream stream, SyslogExportOptions options)
    {
        _client = client;
        _stream = stream;
        _options = options;
    }

    public static async Task<SyslogTlsConnection> OpenAsync(SyslogExportOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(options.Host, options.Port, timeout.Token);
            var stream = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            var authentication = new SslClientAuthenticationOptions
            {
                TargetHost = string.IsNullOrWhiteSpace(options.ServerName) ? options.Host : options.ServerName,
                // TLS 1.2 as RFC 5425 (updated by RFC 9662) requires. Not 1.3: there a collector's refusal of the portal's
                // certificate reaches the portal only after the handshake, when the first messages are already written.
                EnabledSslProtocols = SslProtocols.Tls12,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            };
            if (!string.IsNullOrWhiteSpace(options.TrustedCaFile))
            {
                var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                policy.CustomTrustStore.ImportFromPemFile(options.TrustedCaFile);
                authentication.CertificateChainPolicy = policy;
            }

            if (LoadClientCertificate(options) is { } certificate)
            {
                authentication.ClientCertificates = [certificate];
            }

            await stream.AuthenticateAsClientAsync(authentication, timeout.Token);
            return new SyslogTlsConnection(client, stream, options);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw new TimeoutException($"The syslog collector {options.Host}:{options.Port} did not answer within {options.ConnectTimeout.TotalSeconds:0} s.");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// False when the collector has closed the connection (or sent anything at all, which RFC 5425 collectors only do
    /// to close it). Checked before each batch, so a collector that went away between batches costs no events.
    /// </summary>
    public bool IsOpen
    {
        get
        {
            var socket = _client.Client;
            try
            {
                return socket.Connected && !socket.Poll(0, SelectMode.SelectRead);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return false;
            }
        }
    }

    public async Task SendAsync(IReadOnlyList<byte[]> frames, CancellationToken cancellationToken)
    {
        foreach (var frame in frames)
        {
            await _stream.WriteAsync(frame, cancellationToken);
        }

        await _stream.FlushAsync(cancellationToken);

        // A collector that checks the portal's certificate name only when the first message arrives (rsyslog's
        // PermittedPeer) refuses by closing the connection then, and drops what was sent. So the first batch on a new
        // connection counts as delivered only if the connection is still open a moment later; after that, a close shows
        // before the next batch (IsOpen) and costs nothing.
        if (!_accepted)
        {
            if (_client.Client.Poll((int)_options.NewConnectionSettle.TotalMicroseconds, SelectMode.SelectRead))
            {
                throw new IOException(
                    $"The syslog collector {_options.Host}:{_options.Port} closed the connection as the first messages arrived: it does not accept this portal (check the certificate name it permits).");
            }

            _accepted = true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.ShutdownAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The collector is gone already; nothing to say goodbye to.
        }

        await _stream.DisposeAsync();
        _client.Dispose();
    }

    private static X509Certificate2? LoadClientCertificate(SyslogExportOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ClientCertificateFile))
        {
            return null;
        }

        if (!string.IsNullOrWhiteSpace(options.ClientKeyFile))
        {
            // SslStream on some platforms wants a key it can persist; a PKCS#12 round trip gives it one.
            using var pem = X509Certificate2.CreateFromPemFile(options.ClientCertificateFile, options.ClientKeyFile);
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }

        return X509CertificateLoader.LoadPkcs12FromFile(options.ClientCertificateFile, options.ClientCertificatePassword);
    }
}
