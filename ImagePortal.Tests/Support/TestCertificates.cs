using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ImagePortal.Tests.Support;

/// <summary>
/// A certificate authority made for one test: its certificates and keys exist only in the test's temp folder, so no
/// private key is ever committed. Written as PEM, which OpenSSL-based peers (rsyslog, DCMTK) read.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);
    private readonly string _folder;

    public TestCertificates(string folder, string name = "ImagePortal Test CA")
    {
        _folder = folder;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Authority = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        CaFile = Path.Combine(folder, $"{Slug(name)}.pem");
        File.WriteAllText(CaFile, Authority.ExportCertificatePem());
    }

    public X509Certificate2 Authority { get; }

    /// <summary>The CA certificate as PEM.</summary>
    public string CaFile { get; }

    /// <summary>A server certificate for 127.0.0.1 (and "localhost"): PEM files of the certificate and its key.</summary>
    public (string CertificateFile, string KeyFile) IssueServer(string name = "localhost") =>
        Issue(name, server: true);

    /// <summary>A client certificate (TLS client authentication) for <paramref name="name"/>.</summary>
    public (string CertificateFile, string KeyFile) IssueClient(string name) =>
        Issue(name, server: false);

    public void Dispose()
    {
        _caKey.Dispose();
        Authority.Dispose();
    }

    private (string, string) Issue(string name, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        if (server)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var certificate = request.Create(Authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        var certificateFile = Path.Combine(_folder, $"{Slug(name)}-{(server ? "server" : "client")}.pem");
        var keyFile = Path.ChangeExtension(certificateFile, ".key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }

    private static string Slug(string name) => new(name.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
}
