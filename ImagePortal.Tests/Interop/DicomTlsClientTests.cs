using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The portal calling a node set to TLS, against DCMTK's storescp requiring a client certificate (mutual TLS, as a
/// hospital's PACS does): the portal presents <c>Dicom:TlsCertificatePath</c> and trusts only <c>Dicom:TlsTrustedCaPath</c>.
/// </summary>
public sealed class DicomTlsClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThePortal_PresentsItsCertificate_ToAPacsThatRequiresOne_AndEchoes()
    {
        await using var lab = await TlsLab.StartAsync(portalHasCertificate: true, pacsFromTrustedCa: true);

        var roundTrip = await lab.EchoAsync();

        Assert.True(roundTrip > TimeSpan.Zero);
    }

    [Fact]
    public async Task WithoutItsOwnCertificate_ThePortalIsRefused_WithAReadableReason()
    {
        await using var lab = await TlsLab.StartAsync(portalHasCertificate: false, pacsFromTrustedCa: true);

        var error = await Assert.ThrowsAsync<PacsUnavailableException>(lab.EchoAsync);

        Assert.Contains("SBR_PACS at localhost", error.Message);
    }

    [Fact]
    public async Task APacsWhoseCertificateIsNotFromTheTrustedCa_IsRefusedByThePortal()
    {
        await using var lab = await TlsLab.StartAsync(portalHasCertificate: true, pacsFromTrustedCa: false);

        var error = await Assert.ThrowsAsync<PacsUnavailableException>(lab.EchoAsync);

        Assert.Contains("TLS handshake failed", error.Message);
    }

    private sealed class TlsLab : IAsyncDisposable
    {
        private readonly TempDirectory _folder;
        private readonly DcmtkStoreScp _pacs;
        private readonly PortalApp _app;

        private TlsLab(TempDirectory folder, DcmtkStoreScp pacs, PortalApp app)
        {
            _folder = folder;
            _pacs = pacs;
            _app = app;
        }

        public static async Task<TlsLab> StartAsync(bool portalHasCertificate, bool pacsFromTrustedCa)
        {
            var folder = new TempDirectory("dicom-tls-client");
            using var network = TestPki.Create("Network CA");
            using var other = TestPki.Create("Other CA");
            var networkCa = network.WriteAuthorityPem(folder.Combine("network-ca.pem"));
            using var pacsCertificate = (pacsFromTrustedCa ? network : other).IssueServer();
            var pacs = TestPki.WritePem(pacsCertificate, folder.Path, "pacs");
            using var portalCertificate = network.IssueClient("IMAGEPORTAL");
            var portal = TestPki.WritePem(portalCertificate, folder.Path, "portal");

            var scp = await DcmtkStoreScp.StartAsync("SBR_PACS", cancellationToken: Ct, tls: (pacs.Key, pacs.Certificate, networkCa));
            var settings = new Dictionary<string, string?> { ["Dicom:TlsTrustedCaPath"] = networkCa };
            if (portalHasCertificate)
            {
                settings["Dicom:TlsCertificatePath"] = portal.Certificate;
                settings["Dicom:TlsCertificateKeyPath"] = portal.Key;
            }

            var app = new PortalApp(startServer: false, settings);
            await app.InitializeAsync();
            var lab = new TlsLab(folder, scp, app);
            await app.InScopeAsync(async provider =>
            {
                await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
                var sbr = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", Ct);
                var node = sbr.Nodes.Single();
                sbr.UpdateNode(node.Id, node.Name, AeTitle.Parse("SBR_PACS"), "localhost", scp.Port, DicomCapabilities.All, useTls: true);
                return await db.SaveChangesAsync(Ct);
            });
            return lab;
        }

        public Task<TimeSpan> EchoAsync() => _app.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            var node = await db.Facilities.Where(f => f.Code == "SBR").SelectMany(f => f.Nodes).SingleAsync(Ct);
            try
            {
                return await provider.GetRequiredService<IPacsGateway>().EchoAsync(node, Ct);
            }
            catch (Exception error) when (error is not PacsUnavailableException)
            {
                throw new InvalidOperationException($"{error}\nstorescp: {_pacs.Output}", error);
            }
        });

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            await _pacs.DisposeAsync();
            _folder.Dispose();
        }
    }
}
