using System.Net;
using System.Net.Sockets;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Features.Administration;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Interop;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Administration.Nodes;
using ImagePortal.Web.Features.Home;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// "Test connection" of a DICOMweb node (a QIDO-RS search with limit=1): the round trip against a real Orthanc with its
/// DICOMweb plugin and basic authentication, and each way it fails told in plain words: refused credentials, a host
/// name that does not resolve, a closed port, a server that never answers, and a certificate that is not trusted,
/// unless its CA is the one pinned on the node (and only then).
/// </summary>
public abstract class WebNodeConnectionTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(Guid FacilityId, Guid NodeId)> AddAsync(WebNodeSettings web)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));
        var settings = new NodeSettings("Web " + web.BaseUrl, "", "", 0, false, DicomCapabilities.Find | DicomCapabilities.Get, false,
            Protocol: NodeProtocol.DicomWeb, Web: web);
        var added = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));
        Assert.True(added.IsSuccess, added.Failure?.Message);
        return (facility.Id, added.Value);
    }

    private async Task<EchoOutcome> TestAsync(WebNodeSettings web)
    {
        var (facilityId, nodeId) = await AddAsync(web);
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(facilityId, nodeId));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        var node = await fixture.DbAsync(db => db.DicomNodes.AsNoTracking().SingleAsync(n => n.Id == nodeId, Ct));
        Assert.Equal((result.Value!.Succeeded, result.Value.Error), (node.LastEchoSucceeded!.Value, node.LastEchoError));
        return result.Value;
    }

    [Fact]
    public async Task AgainstOrthanc_TheRightPassword_ShowsTheRoundTrip_AWrongOne_IsAReadable401()
    {
        await using var orthanc = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (DicomWebOrthancFixture.User, DicomWebOrthancFixture.Password) }, Ct);
        var root = orthanc.DicomWebRoot.ToString();

        var right = await TestAsync(new WebNodeSettings(root, WebAuthentication.Basic, DicomWebOrthancFixture.User, Secret: DicomWebOrthancFixture.Password));
        var wrong = await TestAsync(new WebNodeSettings(root + "?wrong", WebAuthentication.Basic, DicomWebOrthancFixture.User, Secret: "wrong-password"));

        Assert.True(right.Succeeded, right.Error);
        Assert.InRange(right.RoundTripMs, 0.0, 10_000);
        Assert.False(wrong.Succeeded);
        Assert.StartsWith($"Credentials refused: DICOMweb node {root}studies answered 401 Unauthorized: the node refused the credentials", wrong.Error);
        Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, $"QIDO-RS search of {root} succeeded in"));
        var failed = Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, $"QIDO-RS search of {root}?wrong failed: Credentials refused"));
        Assert.DoesNotContain("wrong-password", failed.Description);
    }

    [Fact]
    public async Task ClientCredentials_TheRightSecret_ShowsTheRoundTrip_AWrongOne_IsAReadableReason_NeitherSecretNorTokenLogged()
    {
        const string Secret = "oauth-client-secret-5309";
        const string WrongSecret = "not-the-client-secret-8675";
        using var logs = LogCapture.Attach(fixture.Services);
        await using var stub = await OAuthQidoStub.StartAsync("imageportal", Secret, "bearer-token-4c1d2e", Ct);
        var root = stub.Root.ToString();
        WebNodeSettings Node(string suffix, string secret) => new(root + suffix, WebAuthentication.ClientCredentials,
            TokenUrl: stub.TokenUrl.ToString(), ClientId: "imageportal", Scope: "dicom.read", TimeoutSeconds: 20, Secret: secret);

        var right = await TestAsync(Node("?oauth", Secret));
        var wrong = await TestAsync(Node("?oauth-wrong", WrongSecret));

        Assert.True(right.Succeeded, right.Error);
        Assert.Equal((1, 1), (stub.TokensIssued, stub.SearchesAnswered));
        Assert.False(wrong.Succeeded);
        Assert.Equal(
            $"Credentials refused: The token endpoint {stub.TokenUrl} answered 401 Unauthorized without a token: invalid_client (Client authentication failed.).",
            wrong.Error);
        var audit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, $"QIDO-RS search of {root}?oauth")).Select(e => e.Description).ToList();
        Assert.Equal(2, audit.Count);
        var nodes = await fixture.DbAsync(db => db.DicomNodes.AsNoTracking().Where(n => n.WebBaseUrl!.StartsWith(root)).ToListAsync(Ct));
        var written = audit.Concat(logs.Entries).Concat(nodes.Select(n => n.LastEchoError ?? string.Empty)).ToList();
        foreach (var secret in new[] { Secret, WrongSecret, stub.Token })
        {
            Assert.DoesNotContain(written, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AHostThatDoesNotResolve_IsADnsMessage()
    {
        var outcome = await TestAsync(new WebNodeSettings("http://no-such-pacs.invalid/dicom-web/", WebAuthentication.None, TimeoutSeconds: 20));

        Assert.Equal("http://no-such-pacs.invalid/dicom-web/: the host name no-such-pacs.invalid was not found (DNS); check the base URL.", outcome.Error);
    }

    [Fact]
    public async Task AClosedPort_IsConnectionRefused()
    {
        var port = FreePort.Next();

        var outcome = await TestAsync(new WebNodeSettings($"http://127.0.0.1:{port}/dicom-web/", WebAuthentication.None, TimeoutSeconds: 20));

        Assert.Equal($"http://127.0.0.1:{port}/dicom-web/: nothing accepts connections at 127.0.0.1:{port} (connection refused); is the service running and listening there?",
            outcome.Error);
        var home = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetHomeSummary());
        var failing = Assert.Single(home.Value!.Admin!.FailingNodes, n => n.AeTitle == $"http://127.0.0.1:{port}/dicom-web/");
        Assert.Equal(outcome.Error, failing.Error);
    }

    [Fact]
    public async Task AServerThatNeverAnswers_IsATimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var outcome = await TestAsync(new WebNodeSettings($"http://127.0.0.1:{port}/dicom-web/", WebAuthentication.None, TimeoutSeconds: 1));

        Assert.Equal($"http://127.0.0.1:{port}/dicom-web/: no answer within 1 s (timeout); the host accepted the connection but did not answer.", outcome.Error);
    }

    [Fact]
    public async Task APrivateCertificate_IsRefused_AcceptedWithItsCaPinned_AndRefusedWithAnotherCaPinned()
    {
        using var pki = TestPki.Create("Partner Private CA");
        using var other = TestPki.Create("Some Other CA");
        using var certificate = pki.IssueServer();
        await using var stub = await HttpsQidoStub.StartAsync(certificate, Ct);
        var root = stub.Root.ToString();

        var unpinned = await TestAsync(new WebNodeSettings(root, WebAuthentication.None, TimeoutSeconds: 20));
        var pinned = await TestAsync(new WebNodeSettings(root + "?pinned", WebAuthentication.None, PinnedCaPem: pki.Authority.ExportCertificatePem(), TimeoutSeconds: 20));
        var wrongPin = await TestAsync(new WebNodeSettings(root + "?other", WebAuthentication.None, PinnedCaPem: other.Authority.ExportCertificatePem(), TimeoutSeconds: 20));

        Assert.StartsWith($"{root}: the TLS handshake failed: the node's certificate is not trusted (it does not chain to a CA the portal's system trust store holds", unpinned.Error);
        Assert.True(pinned.Succeeded, pinned.Error);
        Assert.Equal($"{root}: the TLS handshake failed: the node's certificate is not trusted (it does not chain to the pinned CA).", wrongPin.Error);
    }

    [Fact]
    public async Task ACertificateOfThePinnedCa_ForAnotherHost_IsRefused_AsANameMismatch()
    {
        using var pki = TestPki.Create("Partner Private CA");
        using var certificate = pki.IssueServer("pacs.another-hospital.example");
        await using var stub = await HttpsQidoStub.StartAsync(certificate, Ct);
        var root = stub.Root.ToString();

        var outcome = await TestAsync(new WebNodeSettings(root + "?mismatch", WebAuthentication.None, PinnedCaPem: pki.Authority.ExportCertificatePem(), TimeoutSeconds: 20));

        Assert.False(outcome.Succeeded);
        Assert.Equal($"{root}: the TLS handshake failed: the node's certificate is not for 127.0.0.1 (name mismatch).", outcome.Error);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class WebNodeConnectionTests(WebNodeConnectionFixture fixture) : WebNodeConnectionTestsBase(fixture), IClassFixture<WebNodeConnectionFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class WebNodeConnectionOnPostgreSqlTests(WebNodeConnectionOnPostgreSqlFixture fixture) : WebNodeConnectionTestsBase(fixture), IClassFixture<WebNodeConnectionOnPostgreSqlFixture>;
