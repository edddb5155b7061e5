using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Interop;

/// <summary>The portal's Storage SCP as configured in the <c>Dicom</c> section: where it listens, and how it limits connections.</summary>
public sealed class PortalStorageScpTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ByDefault_TheScpListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", new PortalDicomOptions().BindAddress);
        Assert.Equal(IPAddress.Loopback, fixture.Services.GetRequiredService<PortalStorageScp>().BindAddress);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.7")]
    [InlineData("::")]
    [InlineData(" 10.1.2.3 ")]
    public void BindAddress_ReachesTheListenerOptions(string configured)
    {
        var options = new PortalDicomOptions { BindAddress = configured, MaxConnectionsPerAddress = 2, AssociationRequestTimeout = TimeSpan.FromSeconds(3) };

        var server = PortalStorageScp.ServerOptions(Identity(), options, ["SBR_PACS"]);

        Assert.Equal(IPAddress.Parse(configured.Trim()), server.BindAddress);
        Assert.Equal(2, server.MaxConnectionsPerAddress);
        Assert.Equal(TimeSpan.FromSeconds(3), server.AssociationTimeout);
        Assert.Equal(["SBR_PACS"], server.AllowedCallingAeTitles!.Keys);
    }

    [Theory]
    [InlineData("portal.example.org")]
    [InlineData("127.0.0.1:11112")]
    [InlineData("")]
    public async Task AnUnparseableBindAddress_FailsStart_WithAClearMessage(string configured)
    {
        await using var scp = ActivatorUtilities.CreateInstance<PortalStorageScp>(
            fixture.Services, Options.Create(new PortalDicomOptions { BindAddress = configured, Port = 0 }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scp.StartAsync(Ct));

        Assert.Contains("Dicom:BindAddress", error.Message);
        Assert.Contains($"'{configured}'", error.Message);
        Assert.Null(scp.BindAddress);
    }

    [Fact]
    public void ByDefault_NodesAreBoundToTheirHosts_AndTheTlsListenerIsOff()
    {
        var defaults = new PortalDicomOptions();

        Assert.True(defaults.CheckCallingAddress);
        Assert.Equal(2762, defaults.TlsPort);
        Assert.Equal("", defaults.TlsCertificatePath);
        Assert.Equal(0, fixture.Services.GetRequiredService<PortalStorageScp>().TlsPort);
    }

    [Fact]
    public void TheTlsListener_RequiresClientCertificatesOfThePinnedCa_AndReadsAPemCertificateAndKey()
    {
        using var files = new TempDirectory("scp-tls-options");
        using var pki = TestPki.Create();
        using var server = pki.IssueServer();
        var (crt, key) = TestPki.WritePem(server, files.Path, "scp");
        var options = new PortalDicomOptions
        {
            TlsPort = 2762, TlsCertificatePath = crt, TlsCertificateKeyPath = key, TlsTrustedCaPath = pki.WriteAuthorityPem(files.Combine("ca.pem")),
        };
        var plain = PortalStorageScp.ServerOptions(Identity(), options, []);

        var tls = PortalStorageScp.TlsServerOptions(plain, options);

        Assert.Equal(2762, tls.Port);
        Assert.True(tls.TlsCertificate!.HasPrivateKey);
        Assert.Equal(server.Thumbprint, tls.TlsCertificate.Thumbprint);
        Assert.True(tls.RequireClientCertificate);
        Assert.Equal([pki.Authority.Thumbprint], tls.ClientCertificateAuthorities!.Select(c => c.Thumbprint));
        Assert.Null(plain.TlsCertificate);
    }

    [Fact]
    public void WithoutAPinnedCa_ClientCertificatesChainToTheSystemRoots()
    {
        using var files = new TempDirectory("scp-tls-system");
        using var pki = TestPki.Create();
        using var server = pki.IssueServer();
        File.WriteAllBytes(files.Combine("scp.pfx"), server.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw"));
        var options = new PortalDicomOptions { TlsCertificatePath = files.Combine("scp.pfx"), TlsCertificatePassword = "pw" };

        var tls = PortalStorageScp.TlsServerOptions(PortalStorageScp.ServerOptions(Identity(), options, []), options);

        Assert.True(tls.RequireClientCertificate);
        Assert.Null(tls.ClientCertificateAuthorities);
    }

    [Theory]
    [InlineData("missing-certificate", "Dicom:TlsCertificatePath")]
    [InlineData("wrong-password", "Dicom:TlsCertificatePath")]
    [InlineData("no-private-key", "holds no private key")]
    [InlineData("empty-ca-file", "Dicom:TlsTrustedCaPath")]
    [InlineData("same-port", "Dicom:TlsPort")]
    public void AnUnusableTlsSetting_FailsStart_NamingTheSetting(string fault, string named)
    {
        using var files = new TempDirectory("scp-tls-bad");
        using var pki = TestPki.Create();
        using var server = pki.IssueServer();
        var pfx = files.Combine("scp.pfx");
        File.WriteAllBytes(pfx, fault == "no-private-key"
            ? System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(server.RawData).Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw")
            : server.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "pw"));
        File.WriteAllText(files.Combine("empty.pem"), "not a certificate\n");
        var options = new PortalDicomOptions
        {
            TlsPort = fault == "same-port" ? 11110 : 2762,
            TlsCertificatePath = fault == "missing-certificate" ? files.Combine("absent.pfx") : pfx,
            TlsCertificatePassword = fault == "wrong-password" ? "not-it" : "pw",
            TlsTrustedCaPath = fault == "empty-ca-file" ? files.Combine("empty.pem") : "",
        };
        var plain = PortalStorageScp.ServerOptions(Identity() with { Port = 11110 }, options, []);

        var error = Assert.Throws<InvalidOperationException>(() => PortalStorageScp.TlsServerOptions(plain, options));

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task AnUnknownCallingAe_IsRefused_AndASecurityAlertNamesIt()
    {
        var scp = fixture.Services.GetRequiredService<PortalStorageScp>();

        var (exit, output) = await DcmtkTools.RunAsync(
            "echoscu", ["-aet", "INTRUDER42", "-aec", "IMAGEPORTAL", "127.0.0.1", scp.Port.ToString(CultureInfo.InvariantCulture)], Ct);

        Assert.NotEqual(0, exit);
        Assert.Contains("Calling AE Title Not Recognized", output);
        var alert = await AlertAsync("\"INTRUDER42\"");
        Assert.Equal(AuditOutcome.MinorFailure, alert.Outcome);
        Assert.Equal("127.0.0.1", alert.Address);
        Assert.Equal(ScpRefusalAudit.Actor, alert.UserName);
        Assert.Equal(
            "Storage SCP refused an association from 127.0.0.1: calling AE title not recognized (calling AE \"INTRUDER42\", called AE \"IMAGEPORTAL\").",
            alert.Description);
    }

    [Fact]
    public async Task AeTitlesFromTheNetwork_AreEscapedInTheAlert()
    {
        var scp = fixture.Services.GetRequiredService<PortalStorageScp>();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, scp.Port, Ct);
        await using var stream = new NetworkStream(socket);
        var writer = new PduWriter();
        new AssociateRequest
        {
            CalledAeTitle = "IMAGEPORTAL",
            CallingAeTitle = "PLACEHOLDER",
            PresentationContexts = [new PresentationContextProposal(1, DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian])],
            UserInformation = new UserInformation { MaxPduLength = 16384 },
        }.Write(writer);

        // PS3.8 9.3.2: the calling AE title is bytes 27-42 of the PDU; our writer refuses such a title, a hostile peer does not.
        var bytes = writer.WrittenMemory.ToArray();
        "EV\"L\r\n<b>X      "u8.CopyTo(bytes.AsSpan(26, 16));
        await stream.WriteAsync(bytes, Ct);
        using var answer = await PduFrame.ReadAsync(stream, 1 << 20, Ct);

        Assert.Equal(PduType.AssociateReject, answer?.Type);
        var alert = await AlertAsync("EV\\x22L");
        Assert.Contains("calling AE \"EV\\x22L\\x0D\\x0A<b>X\"", alert.Description);
        Assert.DoesNotContain('\r', alert.Description);
    }

    private async Task<AuditEvent> AlertAsync(string containing)
    {
        AuditEvent? found = null;
        await Poll.UntilAsync(async () => (found = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.Type == AuditEventType.SecurityAlert && e.Description.Contains(containing))
            .FirstOrDefaultAsync(Ct))) is not null, TimeSpan.FromSeconds(10));
        return found!;
    }

    private static PortalDicomIdentity Identity() => new("IMAGEPORTAL", 0, [], IsFromDatabase: false);
}
