using System.Globalization;
using System.Net;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A PACS that offers no C-GET: the DICOMweb service falls back to C-MOVE into the portal's own Storage SCP (worker role),
/// through the router the retrieval workers use.
/// </summary>
public sealed class DicomWebMoveTests(DicomWebMoveTests.Peers fixture) : IClassFixture<DicomWebMoveTests.Peers>
{
    private const string Number = "VIEW-M";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithoutCGet_AFrameComesByCMove_IntoThePortalsStorageScp()
    {
        var client = fixture.App.CreateClient();
        using var signIn = await PortalHttp.SignInAsync(client, DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password, Ct);
        var study = fixture.Study;

        using var response = await client.GetAsync(
            $"/dicomweb/requests/{Number}/studies/{study.StudyInstanceUid}/series/{study.SeriesInstanceUids[1]}/instances/{study.SopInstanceUids[5]}/frames/1", Ct);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var part = Assert.Single(await MultipartParts.ReadAsync(response, "application/octet-stream", Ct));
        Assert.Equal(SourceFrames.Read(study.Files[5], 1)[0], part.Body);
    }

    /// <summary>Orthanc as SBR_PACS with C-FIND and C-MOVE only, knowing the portal's Storage SCP as a move destination.</summary>
    public sealed class Peers : IAsyncLifetime
    {
        private readonly TempDirectory _files = new("dicomweb-move");

        public PortalApp App { get; private set; } = null!;

        public OrthancPeer Orthanc { get; private set; } = null!;

        public SyntheticStudy Study { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            var cancellationToken = TestContext.Current.CancellationToken;
            // The portal first: Orthanc's modality table names the port its Storage SCP got.
            App = new PortalApp(
                startServer: false,
                new Dictionary<string, string?> { ["Portal:Role"] = "all" },
                ports: new PortalPorts(1, ports => new Dictionary<string, string?> { ["Dicom:Port"] = ports[0].ToString(CultureInfo.InvariantCulture) }));
            await App.InitializeAsync();
            Orthanc = await OrthancPeer.StartAsync(
                new OrthancPeerOptions { AeTitle = "SBR_PACS", Modalities = [new OrthancModality("portal", "IMAGEPORTAL", App.Ports[0])] }, cancellationToken);
            Study = SyntheticStudy.Write(_files.Combine("ct"), patientId: "SBR-8001");
            await Study.UploadToAsync(Orthanc, cancellationToken);
            await App.InScopeAsync(async provider =>
            {
                await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(cancellationToken);
                var sbr = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", cancellationToken);
                var node = sbr.Nodes.Single();
                // The seeded AE title, which the Storage SCP admits from its start; only the port and the services change.
                sbr.UpdateNode(node.Id, node.Name, node.AeTitle, "127.0.0.1", Orthanc.DicomPort, DicomCapabilities.All & ~DicomCapabilities.Get, false);
                DicomWebFixture.Approve(db, await ApprovedJobs.FacilitiesAsync(db, cancellationToken), Number, [Study.StudyInstanceUid], Study.Patient, DateTimeOffset.UtcNow);
                return await db.SaveChangesAsync(cancellationToken);
            });
        }

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await Orthanc.DisposeAsync();
            _files.Dispose();
        }
    }
}
