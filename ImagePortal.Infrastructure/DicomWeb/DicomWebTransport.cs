using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// The DICOMweb client's primary HTTP handler. A request to a node without a pinned CA goes through one
/// <see cref="SocketsHttpHandler"/> that trusts the system's store; a request that carries a pinned CA
/// (<see cref="PinnedCaKey"/>) goes through a handler of its own for that CA, whose chain policy trusts that CA only
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), so neither weakens the other and their pooled connections are
/// never shared. Handlers per CA are kept while this one lives (the factory replaces it, and them, now and then).
/// </summary>
public sealed class DicomWebTransport : HttpMessageHandler
{
    /// <summary>The PEM text of the CA that the node's certificate must chain to, set per request by <see cref="DicomWebClient"/>.</summary>
    public static readonly HttpRequestOptionsKey<string?> PinnedCaKey = new("ImagePortal.DicomWeb.PinnedCa");

    private readonly HttpMessageInvoker _system = new(NewHandler(null), disposeHandler: true);
    private readonly ConcurrentDictionary<string, Lazy<HttpMessageInvoker>> _pinned = new(StringComparer.Ordinal);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(PinnedCaKey, out var pem) || string.IsNullOrWhiteSpace(pem))
        {
            return _system.SendAsync(request, cancellationToken);
        }

        if (request.RequestUri?.Scheme != Uri.UriSchemeHttps)
        {
            // A pin means "only this CA"; over plain HTTP there is no certificate to check, so nothing may be sent.
            throw new HttpRequestException("A node with a pinned CA is reached over https only.");
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(pem.Trim())));
        var invoker = _pinned.GetOrAdd(key, _ => new Lazy<HttpMessageInvoker>(() => new HttpMessageInvoker(NewHandler(pem), disposeHandler: true))).Value;
        return invoker.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _system.Dispose();
            foreach (var invoker in _pinned.Values.Where(l => l.IsValueCreated))
            {
                invoker.Value.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>The CA certificates of a PEM text (one or a bundle); a text without one is refused.</summary>
    public static X509Certificate2Collection ReadCertificates(string pem)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException error)
        {
            throw new HttpRequestException($"The pinned CA is not a readable PEM certificate: {error.Message}", error);
        }

        return certificates.Count > 0 ? certificates : throw new HttpRequestException("The pinned CA holds no certificate.");
    }

    private static SocketsHttpHandler NewHandler(string? pinnedCaPem)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (pinnedCaPem is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // A private CA rarely publishes revocation lists; the pin itself is the trust decision.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(ReadCertificates(pinnedCaPem));
            // The host name is still checked by SslStream against the certificate (name mismatch fails as before).
            handler.SslOptions.CertificateChainPolicy = policy;
        }

        return handler;
    }
}
