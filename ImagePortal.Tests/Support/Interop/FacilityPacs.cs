using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Makes an Orthanc peer a facility's PACS, as an administrator would, over either protocol: its DIMSE node, or a DICOMweb
/// node at the peer's DICOMweb root (basic authentication as <see cref="User"/> when a password is given). The node
/// becomes the facility's import destination, so the look-up, the partner search, the viewer and the retrieval all go to
/// it (<see cref="NodeChoice"/>); the facility's other node stays, so a test class may switch protocol between tests.
/// </summary>
public static class FacilityPacs
{
    public const string User = "portal";

    public const DicomCapabilities WebServices = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store;

    /// <summary>Points <paramref name="facility"/>'s PACS at <paramref name="peer"/>; returns the node's id.</summary>
    public static Task<Guid> PointAsync(UseCaseFixture fixture, string facility, OrthancPeer peer, NodeProtocol protocol, string? password = null) =>
        fixture.DbAsync(async db =>
        {
            var id = await PointAsync(db, fixture.Services, facility, peer, protocol, password, TestContext.Current.CancellationToken);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            return id;
        });

    /// <summary>The same in <paramref name="db"/>, left to the caller to save.</summary>
    public static async Task<Guid> PointAsync(
        ImagePortalDbContext db, IServiceProvider services, string facility, OrthancPeer peer, NodeProtocol protocol, string? password, CancellationToken cancellationToken)
    {
        var found = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == facility, cancellationToken);
        DicomNode node;
        if (protocol == NodeProtocol.Dimse)
        {
            node = found.Nodes.First(n => !n.IsDicomWeb);
            found.UpdateNode(node.Id, node.Name, AeTitle.Parse(peer.AeTitle), "127.0.0.1", peer.DicomPort, DicomCapabilities.All, false);
        }
        else
        {
            var endpoint = DicomWebEndpoint.Create(peer.DicomWebRoot.AbsoluteUri, password is null ? WebAuthentication.None : WebAuthentication.Basic,
                userName: password is null ? null : User, timeoutSeconds: 20);
            node = found.Nodes.FirstOrDefault(n => n.IsDicomWeb) ?? found.AddWebNode($"{facility} cloud archive", endpoint, WebServices);
            found.UpdateWebNode(node.Id, node.Name, endpoint, WebServices);
            found.SetNodeSecret(node.Id, password is null ? null : services.GetRequiredService<NodeSecretProtector>().Protect(password));
        }

        found.SetImportDestination(node.Id);
        return node.Id;
    }
}
