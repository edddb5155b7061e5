using System.Globalization;
using System.Net;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// RELIABILITY_CHECKLIST 27 against DCMTK: a node's AE title is admitted only from its host, and a TLS node only over
/// TLS with a client certificate of the trusted CA; everything else is refused and a security alert in the audit trail.
/// </summary>
public sealed class ScpAccessControlTests(ScpAccessControlFixture fixture) : IClassFixture<ScpAccessControlFixture>
{
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ATlsNode_WithACertificateOfTheTrustedCa_IsAdmitted_AndItsInstanceStored()
    {
        using var received = new TempDirectory("scp-tls-received");
        var file = TestFiles.Require("CT_small.dcm");
        using var certificate = fixture.Pki.IssueClient("SBR_PACS");
        var (crt, key) = TestPki.WritePem(certificate, fixture.Folder, "sbr-trusted");
        await using var route = await Router.RouteAsync("SBR_PACS", new FolderStoreProvider(received.Path), Ct);

        var (exit, output) = await DcmtkTools.RunAsync("storescu",
            ["+tls", key, crt, "+cf", fixture.CaPem, "-aet", "SBR_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.TlsPort), file], Ct);

        Assert.True(exit == 0, output);
        Assert.Single(Directory.GetFiles(received.Path, "*.dcm"));
    }

    [Fact]
    public async Task ATlsClientWithoutACertificate_IsRefused_AndASecurityAlert()
    {
        var (exit, _) = await DcmtkTools.RunAsync("echoscu",
            ["+tla", "+cf", fixture.CaPem, "-aet", "SBR_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.TlsPort)], Ct);

        Assert.NotEqual(0, exit);
        var alert = await AlertAsync("no client certificate");
        Assert.Equal("Storage SCP refused a TLS connection from 127.0.0.1: no client certificate.", alert.Description);
        Assert.Equal("127.0.0.1", alert.Address);
    }

    [Fact]
    public async Task ACertificateOfAnotherCa_IsRefused_AndASecurityAlertNamesIt()
    {
        using var otherCa = TestPki.Create("Rogue CA");
        using var certificate = otherCa.IssueClient("SBR_PACS");
        var (crt, key) = TestPki.WritePem(certificate, fixture.Folder, "sbr-rogue");

        var (exit, _) = await DcmtkTools.RunAsync("echoscu",
            ["+tls", key, crt, "+cf", fixture.CaPem, "-aet", "SBR_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.TlsPort)], Ct);

        Assert.NotEqual(0, exit);
        var alert = await AlertAsync("Rogue CA");
        Assert.Equal(
            "Storage SCP refused a TLS connection from 127.0.0.1: the client certificate is not trusted " +
            "(certificate \"CN=SBR_PACS\" issued by \"CN=Rogue CA\": not issued by a trusted authority).",
            alert.Description);
    }

    [Fact]
    public async Task ATlsNode_OverPlainTcp_IsRefused_AndASecurityAlert()
    {
        var (exit, output) = await DcmtkTools.RunAsync("echoscu", ["-aet", "SBR_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.Port)], Ct);

        Assert.NotEqual(0, exit);
        Assert.Contains("Calling AE Title Not Recognized", output);
        var alert = await AlertAsync("came over plain TCP");
        Assert.Equal(
            "Storage SCP refused an association from 127.0.0.1: calling AE \"SBR_PACS\" came over plain TCP, but node \"SBR PACS\" must call over TLS " +
            "(calling AE \"SBR_PACS\", called AE \"IMAGEPORTAL\").",
            alert.Description);
    }

    [Fact]
    public async Task PlainTcp_ToTheTlsPort_IsRefused_AndASecurityAlert()
    {
        var (exit, _) = await DcmtkTools.RunAsync("echoscu", ["-to", "5", "-aet", "SBR_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.TlsPort)], Ct);

        Assert.NotEqual(0, exit);
        var alert = await AlertAsync("TLS handshake failed");
        Assert.StartsWith("Storage SCP refused a connection from 127.0.0.1 on its TLS port: the TLS handshake failed", alert.Description);
    }

    [Fact]
    public async Task ABoundNodesAeTitle_FromAnotherAddress_IsRefused_AndTheAlertNamesBothAddresses()
    {
        var (exit, output) = await DcmtkTools.RunAsync("echoscu", ["-aet", "LIC_PACS", "-aec", "IMAGEPORTAL", "127.0.0.1", Port(fixture.Scp.Port)], Ct);

        Assert.NotEqual(0, exit);
        Assert.Contains("Calling AE Title Not Recognized", output);
        var alert = await AlertAsync("\"LIC_PACS\" came from");
        Assert.Equal("127.0.0.1", alert.Address);
        Assert.Equal(
            "Storage SCP refused an association from 127.0.0.1: calling AE \"LIC_PACS\" came from 127.0.0.1, expected from node \"LIC PACS\" at 127.0.0.2 " +
            "(calling AE \"LIC_PACS\", called AE \"IMAGEPORTAL\").",
            alert.Description);
    }

    [Fact]
    public async Task ABoundNodesAeTitle_FromItsHost_IsAdmitted_AndItsInstanceStored()
    {
        using var received = new TempDirectory("scp-bound-received");
        var file = TestFiles.Require("CT_small.dcm");
        await using var route = await Router.RouteAsync("LIC_PACS", new FolderStoreProvider(received.Path), Ct);
        var client = new DicomClient("127.0.0.1", fixture.Scp.Port, new AssociationOptions
        {
            CallingAeTitle = "LIC_PACS", CalledAeTitle = "IMAGEPORTAL", LocalAddress = Second,
        });

        Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));
        await using (var association = await client.OpenAsync(await StorageContexts.ForFilesAsync([file], Ct), Ct))
        {
            Assert.Equal(DimseStatus.Success, (await association.StoreFileAsync(file, Ct)).Status);
            await association.ReleaseAsync(Ct);
        }

        Assert.Single(Directory.GetFiles(received.Path, "*.dcm"));
    }

    private MoveRouter Router => fixture.Services.GetRequiredService<MoveRouter>();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task<AuditEvent> AlertAsync(string containing)
    {
        AuditEvent? found = null;
        await Poll.UntilAsync(async () => (found = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.Type == AuditEventType.SecurityAlert && e.Description.Contains(containing))
            .FirstOrDefaultAsync(Ct))) is not null, TimeSpan.FromSeconds(10),
            async () => $"No security alert containing '{containing}'; alerts: " + string.Join(" | ", await fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
                .Where(e => e.Type == AuditEventType.SecurityAlert).Select(e => e.Description).ToListAsync(Ct))));
        return found!;
    }
}
