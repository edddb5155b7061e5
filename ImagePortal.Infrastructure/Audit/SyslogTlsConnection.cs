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

    private SyslogTlsConnection(TcpClient client, SslStream stream)
    {
        _client = client;
        _stream = stream;
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
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
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
            return new SyslogTlsConnection(client, stream);
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
