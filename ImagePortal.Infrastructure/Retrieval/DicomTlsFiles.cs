using System.Net.Security;
using ImagePortal.Dicom.Network.Association;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Reads the portal's DICOM TLS certificate and trusted authorities from the <c>Dicom</c> section's files; a file that
/// cannot be used fails start (or the association), naming the setting. The same certificate and authorities serve
/// both directions: the Storage SCP's listener, and the portal calling a node set to TLS.
/// </summary>
internal static class DicomTlsFiles
{
    private static readonly Dictionary<string, ((string, string, DateTime) Version, X509Certificate2 Certificate)> ClientCertificates = new(StringComparer.Ordinal);

    /// <summary>
    /// How the portal calls a node (queries, retrievals, stores into a destination, quarantine releases): its AE title,
    /// the node's, the timeouts, and TLS where the node is set to it. One place, so no caller forgets a part.
    /// </summary>
    public static AssociationOptions AssociationFor(DicomNode node, PortalDicomIdentity identity, PortalDicomOptions settings) => new()
    {
        CallingAeTitle = identity.AeTitle,
        CalledAeTitle = node.AeTitleValue,
        ConnectTimeout = settings.ConnectTimeout,
        ResponseTimeout = settings.ResponseTimeout,
        Tls = ClientAuthentication(node, settings),
    };

    /// <summary>
    /// TLS for the portal's own associations to a node set to TLS: the node's certificate must chain to
    /// <c>Dicom:TlsTrustedCaPath</c> (or the system's roots) and name its host, and the portal presents its certificate
    /// (<c>Dicom:TlsCertificatePath</c>) to nodes that ask for one, as a PACS requiring mutual TLS does.
    /// </summary>
    public static SslClientAuthenticationOptions? ClientAuthentication(DicomNode node, PortalDicomOptions options)
    {
        if (!node.UseTls)
        {
            return null;
        }

        var tls = new SslClientAuthenticationOptions { TargetHost = node.Host, CertificateRevocationCheckMode = X509RevocationMode.NoCheck };
        if (!string.IsNullOrWhiteSpace(options.TlsCertificatePath))
        {
            tls.ClientCertificates = [ClientCertificate(options)];
        }

        if (LoadAuthorities(options) is { } authorities)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(authorities);
            tls.CertificateChainPolicy = policy;
        }

        return tls;
    }

    /// <summary>
    /// The portal's certificate for outgoing associations, read once per file version (not per association: each load
    /// would parse the key again and leave a native handle behind); a renewed file is picked up when it changes.
    /// </summary>
    private static X509Certificate2 ClientCertificate(PortalDicomOptions options)
    {
        var version = (options.TlsCertificatePath, options.TlsCertificateKeyPath, File.GetLastWriteTimeUtc(options.TlsCertificatePath));
        lock (ClientCertificates)
        {
            if (ClientCertificates.TryGetValue(options.TlsCertificatePath, out var cached) && cached.Version == version)
            {
                return cached.Certificate;
            }

            var certificate = LoadCertificate(options);
            ClientCertificates[options.TlsCertificatePath] = (version, certificate);
            return certificate;
        }
    }

    public static X509Certificate2 LoadCertificate(PortalDicomOptions options)
    {
        var path = options.TlsCertificatePath;
        X509Certificate2 certificate;
        try
        {
            if (string.IsNullOrWhiteSpace(options.TlsCertificateKeyPath))
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, options.TlsCertificatePassword);
            }
            else
            {
                // Through PKCS#12 so the key is usable by SslStream on every platform (a PEM key is ephemeral on Windows).
                using var pem = string.IsNullOrEmpty(options.TlsCertificatePassword)
                    ? X509Certificate2.CreateFromPemFile(path, options.TlsCertificateKeyPath)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, options.TlsCertificatePassword, options.TlsCertificateKeyPath);
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"Dicom:TlsCertificatePath '{path}' (with Dicom:TlsCertificateKeyPath and Dicom:TlsCertificatePassword) could not be read: {error.Message}", error);
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidOperationException($"Dicom:TlsCertificatePath '{path}' holds no private key: the TLS listener needs one.");
        }

        return certificate;
    }

    /// <summary>The pinned authorities of <c>Dicom:TlsTrustedCaPath</c>; null when it is empty (the system's roots).</summary>
    public static X509Certificate2Collection? LoadAuthorities(PortalDicomOptions options)
    {
        var path = options.TlsTrustedCaPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Dicom:TlsTrustedCaPath '{path}' could not be read: {error.Message}", error);
        }

        return authorities.Count > 0
            ? authorities
            : throw new InvalidOperationException($"Dicom:TlsTrustedCaPath '{path}' holds no PEM certificate.");
    }
}
