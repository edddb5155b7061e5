using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A portal whose Storage SCP also listens for TLS, with a certificate and a pinned CA generated for the run. SBR's PACS
/// is set to TLS; LIC's PACS is bound to 127.0.0.2 (also loopback on Linux), so a call with its AE title from 127.0.0.1
/// is a call from the wrong host.
/// </summary>
public sealed class ScpAccessControlFixture : UseCaseFixture
{
    private readonly TempDirectory _files = new("scp-tls");

    public ScpAccessControlFixture()
    {
        using var server = Pki.IssueServer();
        File.WriteAllBytes(_files.Combine("scp.pfx"), server.Export(X509ContentType.Pkcs12, "scp-password"));
        Pki.WriteAuthorityPem(CaPem);
    }

    public TestPki Pki { get; } = TestPki.Create();

    public string CaPem => _files.Combine("ca.pem");

    public string Folder => _files.Path;

    public int ScpPort => StartedPorts[0];

    public int TlsPort => StartedPorts[1];

    protected override PortalPorts Ports => new(2, ports => new Dictionary<string, string?>
    {
        ["Dicom:Port"] = ports[0].ToString(CultureInfo.InvariantCulture),
        ["Dicom:TlsPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
    });

    public PortalStorageScp Scp => Services.GetRequiredService<PortalStorageScp>();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Portal:Role"] = "all",
        ["Dicom:TlsCertificatePath"] = _files.Combine("scp.pfx"),
        ["Dicom:TlsCertificatePassword"] = "scp-password",
        ["Dicom:TlsTrustedCaPath"] = CaPem,
    };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await ChangeNodeAsync("SBR", (facility, node) => facility.UpdateNode(node.Id, node.Name, node.AeTitle, "127.0.0.1", node.Port, node.Capabilities, useTls: true));
        await ChangeNodeAsync("LIC", (facility, node) => facility.UpdateNode(node.Id, node.Name, node.AeTitle, "127.0.0.2", node.Port, node.Capabilities, useTls: false));
        // The SCP reads the nodes every minute; the test does not wait for that.
        await Scp.RefreshCallersAsync(CancellationToken.None);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Pki.Dispose();
        _files.Dispose();
    }

    private Task ChangeNodeAsync(string code, Action<Facility, DicomNode> change) => DbAsync(async db =>
    {
        var facility = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == code);
        change(facility, facility.Nodes.Single());
        return await db.SaveChangesAsync();
    });
}
