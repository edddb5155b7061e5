using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// PS3.15 B.1 with both ends authenticated: an SCP that requires a client certificate admits only one that chains to
/// the authorities it trusts, and reports every handshake it refuses (no AE titles yet, only the address and why).
/// </summary>
public sealed class ClientCertificateTests : IDisposable
{
    private readonly TestPki _pki = TestPki.Create();
    private readonly TestPki _otherPki = TestPki.Create("Some Other CA");
    private readonly X509Certificate2 _serverCertificate;
    private readonly ConcurrentQueue<AssociationRefusal> _reports = new();
    private readonly ConcurrentQueue<AssociationCaller> _callers = new();

    // The certificate belongs to the connection and is disposed with it: what the check saw is kept while it runs.
    private readonly ConcurrentQueue<string?> _thumbprints = new();

    public ClientCertificateTests() => _serverCertificate = _pki.IssueServer();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACertificateOfTheTrustedCa_IsAdmitted_AndTheCallerCheckSeesIt()
    {
        await using var scp = StartScp();
        using var certificate = _pki.IssueClient("NODE_A");

        Assert.Equal(DimseStatus.Success, await Client(scp, certificate).EchoAsync(Ct));

        var caller = Assert.Single(_callers);
        Assert.True(caller.OverTls);
        Assert.Equal(certificate.Thumbprint, Assert.Single(_thumbprints));
        Assert.Empty(_reports);
    }

    [Fact]
    public async Task NoClientCertificate_IsRefusedInTheHandshake_AndReported()
    {
        await using var scp = StartScp();

        await Assert.ThrowsAnyAsync<Exception>(() => Client(scp, null).EchoAsync(Ct));

        var report = await SingleReportAsync();
        Assert.Equal(new AssociationRefusal(AssociationRefusalReason.ClientCertificateMissing, IPAddress.Loopback, null, null, "no client certificate was sent"), report);
        Assert.Empty(_callers);
    }

    [Fact]
    public async Task ACertificateOfAnotherCa_IsRefusedInTheHandshake_AndReportedWithItsSubject()
    {
        await using var scp = StartScp();
        using var certificate = _otherPki.IssueClient("NODE_A");

        await Assert.ThrowsAnyAsync<Exception>(() => Client(scp, certificate).EchoAsync(Ct));

        var report = await SingleReportAsync();
        Assert.Equal(AssociationRefusalReason.ClientCertificateUntrusted, report.Reason);
        Assert.Contains("\"CN=NODE_A\" issued by \"CN=Some Other CA\"", report.Detail);
        Assert.EndsWith(": not issued by a trusted authority", report.Detail);
        Assert.Empty(_callers);
    }

    [Fact]
    public async Task TheSystemRoots_DoNotCount_WhenACaIsPinned()
    {
        // A self-signed server certificate presented as a client one: valid, but issued by no pinned authority.
        await using var scp = StartScp();

        await Assert.ThrowsAnyAsync<Exception>(() => Client(scp, _otherPki.Authority).EchoAsync(Ct));

        Assert.Equal(AssociationRefusalReason.ClientCertificateUntrusted, (await SingleReportAsync()).Reason);
    }

    [Fact]
    public async Task AServerCertificate_UsedAsAClientOne_IsNotValidForClientAuthentication()
    {
        await using var scp = StartScp();
        using var serverOnly = _pki.IssueServer();

        await Assert.ThrowsAnyAsync<Exception>(() => Client(scp, serverOnly).EchoAsync(Ct));

        Assert.EndsWith(": not valid for client authentication", (await SingleReportAsync()).Detail);
    }

    [Fact]
    public async Task PlainTcp_ToTheTlsPort_IsReportedAsAFailedHandshake()
    {
        await using var scp = StartScp();
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions
        {
            CalledAeTitle = scp.AeTitle, CallingAeTitle = "NODE_A", AssociationTimeout = TimeSpan.FromSeconds(5),
        });

        await Assert.ThrowsAnyAsync<DicomAssociationException>(() => client.EchoAsync(Ct));

        var report = await SingleReportAsync();
        Assert.Equal(AssociationRefusalReason.TlsHandshakeFailed, report.Reason);
        Assert.Null(report.CallingAeTitle);
    }

    [Fact]
    public async Task WithoutRequireClientCertificate_AClientWithoutOne_IsServed()
    {
        await using var scp = TestScp.Start(o =>
        {
            o.TlsCertificate = _serverCertificate;
            o.VerifyCaller = caller =>
            {
                _callers.Enqueue(caller);
                return null;
            };
        });

        Assert.Equal(DimseStatus.Success, await Client(scp, null).EchoAsync(Ct));
        Assert.Null(Assert.Single(_callers).ClientCertificate);
    }

    public void Dispose()
    {
        _serverCertificate.Dispose();
        _pki.Dispose();
        _otherPki.Dispose();
    }

    private TestScp StartScp() => TestScp.Start(o =>
    {
        o.TlsCertificate = _serverCertificate;
        o.RequireClientCertificate = true;
        o.ClientCertificateAuthorities = [_pki.Authority];
        o.OnAssociationRefused = _reports.Enqueue;
        o.VerifyCaller = caller =>
        {
            _thumbprints.Enqueue(caller.ClientCertificate?.Thumbprint);
            _callers.Enqueue(caller);
            return null;
        };
    });

    private async Task<AssociationRefusal> SingleReportAsync()
    {
        // The server reports once its side of the handshake has failed, which may be after the client gave up.
        await ConnectionLimitTests.UntilAsync(() => !_reports.IsEmpty);
        return Assert.Single(_reports);
    }

    private DicomClient Client(TestScp scp, X509Certificate2? certificate) => new("127.0.0.1", scp.Port, new AssociationOptions
    {
        CalledAeTitle = scp.AeTitle,
        CallingAeTitle = "NODE_A",
        AssociationTimeout = TimeSpan.FromSeconds(5),
        Tls = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = certificate is null ? null : [certificate],
            // The client trusts the test CA's server certificate, as a node configured with the portal's CA does.
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == _serverCertificate.GetCertHashString(),
        },
    });
}
