using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>PS3.15 B.1 secure transport: our SCU and SCP over TLS 1.2+.</summary>
public sealed class TlsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EchoAndStore_OverTls_Succeed()
    {
        using var certificate = SelfSigned();
        await using var scp = TestScp.Start(o => o.TlsCertificate = certificate);
        var file = TestFiles.Require("CT_small.dcm");
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, Tls = TrustOnly(certificate) });

        Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));
        await using var association = await client.OpenAsync(await StorageContexts.ForFilesAsync([file], Ct), Ct);
        Assert.Equal(DimseStatus.Success, (await association.StoreFileAsync(file, Ct)).Status);
        await association.ReleaseAsync(Ct);
        Assert.Single(scp.StoredFiles);
    }

    [Fact]
    public async Task PlainClient_AgainstTlsScp_GetsNoAssociation()
    {
        using var certificate = SelfSigned();
        await using var scp = TestScp.Start(o => o.TlsCertificate = certificate);
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, AssociationTimeout = TimeSpan.FromSeconds(5) });

        await Assert.ThrowsAnyAsync<DicomAssociationException>(() => client.EchoAsync(Ct));
    }

    [Fact]
    public async Task TlsClient_RejectsAnUntrustedCertificate()
    {
        using var certificate = SelfSigned();
        using var other = SelfSigned();
        await using var scp = TestScp.Start(o => o.TlsCertificate = certificate);
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, Tls = TrustOnly(other) });

        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(() => client.EchoAsync(Ct));
    }

    private static SslClientAuthenticationOptions TrustOnly(X509Certificate2 trusted) => new()
    {
        TargetHost = "localhost",
        RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == trusted.GetCertHashString(),
    };

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Round trip through PKCS#12 so that the private key is usable by SslStream on Linux.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
