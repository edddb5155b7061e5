using System.Text.Json;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Administration;

/// <summary>
/// Adding and editing DICOMweb nodes through the administration use cases: the endpoint validated by the Domain, the
/// password or client secret write-only (kept encrypted, kept when left empty, forgotten on "clear"), and never in the
/// audit trail, the logs or what the page is given.
/// </summary>
public abstract class WebNodeAdministrationTestsBase(UseCaseFixture fixture)
{
    private const string Secret = "s3cret-Pa55word!";

    private static NodeSettings Web(WebNodeSettings web, DicomCapabilities capabilities = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store,
        bool destination = false) =>
        new("Cloud archive", "", "", 0, false, capabilities, destination, Protocol: NodeProtocol.DicomWeb, Web: web);

    private static WebNodeSettings Basic(string url = "https://dicomweb.example.org/dicom-web", string? secret = Secret) =>
        new(url, WebAuthentication.Basic, UserName: "portal", Secret: secret, TimeoutSeconds: 20);

    private async Task<(Guid FacilityId, Guid NodeId)> AddAsync(string code, NodeSettings settings)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync(code));
        var added = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));
        Assert.True(added.IsSuccess, added.Failure?.Message);
        return (facility.Id, added.Value);
    }

    private Task<DicomNode> StoredAsync(Guid nodeId) =>
        fixture.DbAsync(db => db.DicomNodes.AsNoTracking().SingleAsync(n => n.Id == nodeId, TestContext.Current.CancellationToken));

    private string? Decrypt(DicomNode node) => fixture.Services.GetRequiredService<NodeSecretProtector>().Unprotect(node.ProtectedSecret, node.Name);

    private Task<Result> UpdateAsync(Guid facilityId, Guid nodeId, NodeSettings settings) => fixture.FacilityAsync(facilityId)
        .ContinueWith(f => fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateNode(facilityId, f.Result.Version, nodeId, settings))).Unwrap();

    [Fact]
    public async Task AddingADicomWebNode_StoresItsEndpoint_AndItsPasswordEncryptedOnly_NeverInAuditLogsOrDetails()
    {
        using var log = LogCapture.Attach(fixture.Services);
        var (facilityId, nodeId) = await AddAsync("RCH", Web(Basic(), destination: true));

        var stored = await StoredAsync(nodeId);
        Assert.Equal((NodeProtocol.DicomWeb, "https://dicomweb.example.org/dicom-web/", "portal", 20),
            (stored.Protocol, stored.WebBaseUrl, stored.WebUserName, stored.WebTimeoutSeconds));
        Assert.True(stored.IsImportDestination);
        Assert.DoesNotContain(Secret, stored.ProtectedSecret);
        Assert.Equal(Secret, Decrypt(stored));

        var details = Assert.Single((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId);
        Assert.Equal(("DICOMweb node", "https://dicomweb.example.org/dicom-web/"), (details.IsDicomWeb ? "DICOMweb node" : "DIMSE", details.Address));
        Assert.True(details.Web!.HasSecret);
        Assert.DoesNotContain(Secret, JsonSerializer.Serialize(details));
        Assert.DoesNotContain(stored.ProtectedSecret!, JsonSerializer.Serialize(details));

        var audit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Adding a DICOM node of RCH"))[0];
        Assert.Contains("After: name=Cloud archive, kind=DICOMweb, base URL=https://dicomweb.example.org/dicom-web/, authentication=Basic, user=portal", audit.Description);
        Assert.Contains("secret=stored #", audit.Description);
        Assert.DoesNotContain(Secret, audit.Description);
        Assert.DoesNotContain(stored.ProtectedSecret!, audit.Description);
        Assert.DoesNotContain(log.Entries, e => e.Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, Web(Basic()).ToString());
    }

    [Fact]
    public async Task EditingWithAnEmptySecret_KeepsIt_ANewOneReplacesIt_ClearForgetsIt()
    {
        var (facilityId, nodeId) = await AddAsync("SBR", Web(Basic("https://keep.example.org/dicom-web/")));
        var first = (await StoredAsync(nodeId)).ProtectedSecret;

        var keep = await UpdateAsync(facilityId, nodeId, Web(Basic("https://keep.example.org/dicom-web/", secret: null) with { TimeoutSeconds = 45 }));
        Assert.True(keep.IsSuccess, keep.Failure?.Message);
        var kept = await StoredAsync(nodeId);
        Assert.Equal((first, 45), (kept.ProtectedSecret, kept.WebTimeoutSeconds));

        var replace = await UpdateAsync(facilityId, nodeId, Web(Basic("https://keep.example.org/dicom-web/", secret: "another-one")));
        Assert.True(replace.IsSuccess, replace.Failure?.Message);
        Assert.Equal("another-one", Decrypt(await StoredAsync(nodeId)));

        var clear = await UpdateAsync(facilityId, nodeId, Web(Basic("https://keep.example.org/dicom-web/", secret: null) with { ClearSecret = true }));
        Assert.True(clear.IsSuccess, clear.Failure?.Message);
        Assert.Null((await StoredAsync(nodeId)).ProtectedSecret);
        Assert.False(Assert.Single((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId).Web!.HasSecret);
        var audits = await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Editing a DICOM node of SBR");
        Assert.EndsWith("secret=none", audits[0].Description.TrimEnd('.'));
        Assert.DoesNotContain(audits, a => a.Description.Contains("another-one", StringComparison.Ordinal) || a.Description.Contains(Secret, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ftp://pacs.example.org/", WebAuthentication.None, 60, DicomCapabilities.Find, "The base URL must be an absolute http:// or https:// URL.")]
    [InlineData("https://user:pw@pacs.example.org/", WebAuthentication.None, 60, DicomCapabilities.Find, "The base URL may not hold a user name or password; use the authentication settings.")]
    [InlineData("https://pacs.example.org/", (WebAuthentication)9, 60, DicomCapabilities.Find, "Unknown authentication.")]
    [InlineData("https://pacs.example.org/", WebAuthentication.None, 0, DicomCapabilities.Find, "The timeout must be between 1 and 3600 seconds.")]
    [InlineData("https://pacs.example.org/", WebAuthentication.None, 60, DicomCapabilities.Move, "A DICOMweb node offers search (QIDO-RS), retrieve (WADO-RS) and store (STOW-RS) only.")]
    [InlineData("https://pacs.example.org/", WebAuthentication.ClientCredentials, 60, DicomCapabilities.Find, "The token URL is required.")]
    public async Task ForgedOrBadWebValues_AreRefusedWithAClearMessage(string url, WebAuthentication authentication, int timeout, DicomCapabilities capabilities, string message)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new AddNode(facility.Id, facility.Version, Web(new WebNodeSettings(url, authentication, TimeoutSeconds: timeout), capabilities)));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains(message, result.Failure.Message);
        Assert.Equal(facility.Nodes.Count, (await fixture.FacilityAsync(facility.Id)).Nodes.Count);
    }

    [Fact]
    public async Task ForgedCombinations_AreRefused_NotSilentlyFixed()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));
        async Task<string> RefusedAsync(NodeSettings settings)
        {
            var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));
            Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
            return result.Failure.Message;
        }

        Assert.Equal("The import destination must accept STOW-RS.", await RefusedAsync(Web(Basic(), DicomCapabilities.Find, destination: true)));
        Assert.Equal("HTTP basic authentication needs a password.", await RefusedAsync(Web(Basic(secret: null))));
        Assert.Equal("Without authentication the node takes no password or client secret.",
            await RefusedAsync(Web(new WebNodeSettings("https://pacs.example.org/", WebAuthentication.None, Secret: "x"))));
        Assert.Equal("The pinned CA must be a PEM certificate (-----BEGIN CERTIFICATE-----).",
            await RefusedAsync(Web(Basic() with { PinnedCaPem = "not a certificate" })));
        Assert.Equal("A DICOMweb node needs its base URL and authentication.", await RefusedAsync(Web(Basic()) with { Web = null }));
        Assert.Equal("Unknown node kind.", await RefusedAsync(Web(Basic()) with { Protocol = (NodeProtocol)5 }));
    }

    [Fact]
    public async Task ADimseNode_CannotBeTurnedIntoADicomWebNode_NorTheOtherWayRound()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("TCH"));
        var dimse = facility.Nodes[0];
        var (_, webId) = await AddAsync("TCH", Web(Basic("https://tch.example.org/dicom-web/")));

        var toWeb = await UpdateAsync(facility.Id, dimse.Id, Web(Basic("https://tch2.example.org/")));
        var toDimse = await UpdateAsync(facility.Id, webId,
            new NodeSettings("Cloud archive", "TCH_X", "127.0.0.1", 104, false, DicomCapabilities.Find | DicomCapabilities.Store, false));

        Assert.Equal("The node is a DIMSE node; remove it and add a DICOMweb node instead.", toWeb.Failure!.Message);
        Assert.Equal(DicomNode.NotDimse, toDimse.Failure!.Message);
    }

    [Fact]
    public async Task FacilityAdmin_AddingOrEditingADicomWebNodeOfAnotherFacility_IsRefused_AndAudited()
    {
        var other = await fixture.FacilityAsync(await fixture.FacilityIdAsync("WXC"));
        var (_, webId) = await AddAsync("WXC", Web(Basic("https://wxc.example.org/dicom-web/")));
        var seen = await fixture.FacilityAsync(other.Id);

        var add = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new AddNode(seen.Id, seen.Version, Web(Basic("https://evil.example.org/"))));
        var edit = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName,
            new UpdateNode(seen.Id, seen.Version, webId, Web(Basic("https://evil.example.org/", secret: "stolen"))));
        var test = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new TestNodeConnection(seen.Id, webId));

        Assert.Equal([FailureKind.NotFound, FailureKind.NotFound, FailureKind.NotFound], new[] { add.Failure!.Kind, edit.Failure!.Kind, test.Failure!.Kind });
        var node = await StoredAsync(webId);
        Assert.Equal(("https://wxc.example.org/dicom-web/", Secret), (node.WebBaseUrl, Decrypt(node)));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Editing a DICOM node refused: facility {other.Id}"));
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class WebNodeAdministrationTests(UseCaseFixture fixture) : WebNodeAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class WebNodeAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : WebNodeAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
