using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Reads the Storage SCP's TLS certificate and trusted authorities from the <c>Dicom</c> section's files; a file that cannot be used fails start, naming the setting.</summary>
internal static class DicomTlsFiles
{
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
