using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>Makes a DICOMweb node NVH's import destination, as an administrator would.</summary>
public static class WebImportDestination
{
    public const string User = "portal";

    private const DicomCapabilities WebServices = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store;

    /// <summary>
    /// NVH's import destination becomes its DICOMweb node at <paramref name="root"/>, with basic authentication as
    /// <see cref="User"/> when a <paramref name="password"/> is given; returns the node's id. A node per service root:
    /// the ledger is per destination node, so a peer's node never inherits another peer's imports.
    /// </summary>
    public static Task<Guid> PointNvhAtAsync(UseCaseFixture fixture, Uri root, string? password) => fixture.DbAsync(async db =>
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var nvh = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "NVH", cancellationToken);
        var endpoint = DicomWebEndpoint.Create(root.ToString(), password is null ? WebAuthentication.None : WebAuthentication.Basic,
            userName: password is null ? null : User, timeoutSeconds: 20);
        var node = nvh.Nodes.FirstOrDefault(n => n.IsDicomWeb && n.WebBaseUrl == endpoint.BaseUrl.ToString());
        if (node is null)
        {
            node = nvh.AddWebNode($"NVH cloud archive {root.Port}", endpoint, WebServices);
        }
        else
        {
            nvh.UpdateWebNode(node.Id, node.Name, endpoint, WebServices);
        }

        nvh.SetNodeSecret(node.Id, password is null ? null : fixture.Services.GetRequiredService<NodeSecretProtector>().Protect(password));
        nvh.SetImportDestination(node.Id);
        await db.SaveChangesAsync(cancellationToken);
        return node.Id;
    });
}
