using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Nodes;

namespace ImagePortal.Tests.Features.Administration;

public abstract class NodeAdministrationTestsBase(UseCaseFixture fixture)
{
    private static NodeSettings Node(string ae = "RCH_ARCHIVE", string host = "127.0.0.1", int port = 11200, bool destination = false) =>
        new("Archive", ae, host, port, UseTls: false, DicomCapabilities.Echo | DicomCapabilities.Find | DicomCapabilities.Store, destination);

    private async Task<(Guid FacilityId, Guid NodeId)> AddAsync(string code, NodeSettings settings)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync(code));
        var added = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));
        Assert.True(added.IsSuccess, added.Failure?.Message);
        return (facility.Id, added.Value);
    }

    [Fact]
    public async Task AddingANode_AsImportDestination_MovesTheDestination_AndIsAudited()
    {
        var (facilityId, nodeId) = await AddAsync("RCH", Node(destination: true));

        var facility = await fixture.FacilityAsync(facilityId);
        var node = Assert.Single(facility.Nodes, n => n.Id == nodeId);
        Assert.Equal(("RCH_ARCHIVE", "127.0.0.1", 11200), (node.AeTitle, node.Host, node.Port));
        Assert.Equal([nodeId], facility.Nodes.Where(n => n.IsImportDestination).Select(n => n.Id));
        var audit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Adding a DICOM node of RCH"))[0];
        Assert.Contains("Before: (none). After: name=Archive, AE=RCH_ARCHIVE, host=127.0.0.1, port=11200", audit.Description);
    }

    [Theory]
    [InlineData("", "127.0.0.1", 104, "The AE title is required.")]
    [InlineData("SEVENTEEN_CHARS_X", "127.0.0.1", 104, "The AE title must be at most 16 characters.")]
    [InlineData("BAD\\AE", "127.0.0.1", 104, "The AE title must not contain a backslash.")]
    [InlineData("BAD\u0007AE", "127.0.0.1", 104, "The AE title may only contain printable ASCII characters.")]
    [InlineData("GOOD", "pacs/../etc", 104, "'pacs/../etc' is not a valid host name or IP address.")]
    [InlineData("GOOD", "-pacs.example", 104, "'-pacs.example' is not a valid host name or IP address.")]
    [InlineData("GOOD", "127.0.0.1", 0, "The port must be between 1 and 65535.")]
    [InlineData("GOOD", "127.0.0.1", 65536, "The port must be between 1 and 65535.")]
    public async Task AddingANode_WithBadSettings_IsRefusedWithAClearMessage(string ae, string host, int port, string message)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, Node(ae, host, port)));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal(message, result.Failure.Message);
        Assert.Equal(facility.Nodes.Count, (await fixture.FacilityAsync(facility.Id)).Nodes.Count);
    }

    [Fact]
    public async Task AnImportDestination_WithoutStore_IsRefused()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));
        var settings = Node("FINDONLY") with { Capabilities = DicomCapabilities.Find, IsImportDestination = true };

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));

        Assert.Equal("The import destination must accept C-STORE.", result.Failure!.Message);
    }

    [Fact]
    public async Task EditingAndRemovingANode_AreAuditedWithBeforeAndAfter()
    {
        var (facilityId, nodeId) = await AddAsync("SBR", Node("SBR_MWL", port: 11300));

        var edit = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new UpdateNode(facilityId, (await fixture.FacilityAsync(facilityId)).Version, nodeId, Node("SBR_MWL2", "pacs.sbr.example", 11301) with { UseTls = true }));
        Assert.True(edit.IsSuccess, edit.Failure?.Message);
        var edited = Assert.Single((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId);
        Assert.Equal(("SBR_MWL2", "pacs.sbr.example", 11301, true), (edited.AeTitle, edited.Host, edited.Port, edited.UseTls));

        var remove = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new RemoveNode(facilityId, (await fixture.FacilityAsync(facilityId)).Version, nodeId));
        Assert.True(remove.IsSuccess, remove.Failure?.Message);
        Assert.DoesNotContain((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId);

        var editAudit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Editing a DICOM node of SBR"))[0];
        Assert.Contains("Before: name=Archive, AE=SBR_MWL, host=127.0.0.1, port=11300, TLS=False", editAudit.Description);
        Assert.Contains("After: name=Archive, AE=SBR_MWL2, host=pacs.sbr.example, port=11301, TLS=True", editAudit.Description);
        Assert.Contains("After: (none)", (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Removing a DICOM node of SBR"))[0].Description);
    }

    [Fact]
    public async Task TheCallingAddressCheck_IsSaved_ShownAndAudited()
    {
        var (facilityId, nodeId) = await AddAsync("TCH", Node("TCH_NAT", port: 11500) with { CallingAddressCheck = CallingAddressCheck.Off });
        Assert.Equal(CallingAddressCheck.Off, Assert.Single((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId).CallingAddressCheck);

        var edit = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateNode(facilityId, (await fixture.FacilityAsync(facilityId)).Version, nodeId,
            Node("TCH_NAT", port: 11500) with { CallingAddressCheck = CallingAddressCheck.Required }));

        Assert.True(edit.IsSuccess, edit.Failure?.Message);
        Assert.Equal(CallingAddressCheck.Required, Assert.Single((await fixture.FacilityAsync(facilityId)).Nodes, n => n.Id == nodeId).CallingAddressCheck);
        var audit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Editing a DICOM node of TCH"))[0];
        Assert.Contains("calling address check=Off. After:", audit.Description);
        Assert.EndsWith("calling address check=Required", audit.Description.TrimEnd('.'));
    }

    [Fact]
    public async Task ACallingAddressCheckNeverOffered_IsRefusedOnTheServer()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("WXC"));
        var node = facility.Nodes[0];

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateNode(facility.Id, facility.Version, node.Id,
            new NodeSettings(node.Name, node.AeTitle, node.Host, node.Port, node.UseTls, node.Capabilities, node.IsImportDestination, (CallingAddressCheck)7)));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("Unknown calling address check.", result.Failure.Message);
        Assert.Equal(CallingAddressCheck.PortalDefault, (await fixture.FacilityAsync(facility.Id)).Nodes[0].CallingAddressCheck);
    }

    [Fact]
    public async Task TheCurrentImportDestination_CannotBeUnmarked_OnlyReplaced()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("NVH"));
        var destination = facility.Nodes.Single(n => n.IsImportDestination);

        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new UpdateNode(facility.Id, facility.Version, destination.Id,
            new NodeSettings(destination.Name, destination.AeTitle, destination.Host, destination.Port, false, destination.Capabilities, IsImportDestination: false)));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("make another node the import destination instead", result.Failure.Message);
    }

    [Fact]
    public async Task FacilityAdmin_AddingANodeToAnotherFacility_IsRefused_AndAudited()
    {
        var other = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));

        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new AddNode(other.Id, other.Version, Node("EVIL")));
        var echo = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new TestNodeConnection(other.Id, other.Nodes[0].Id));

        Assert.Equal(FailureKind.NotFound, result.Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, echo.Failure!.Kind);
        Assert.DoesNotContain((await fixture.FacilityAsync(other.Id)).Nodes, n => n.AeTitle == "EVIL");
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Adding a DICOM node refused: facility {other.Id}"));
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Testing a DICOM node refused: facility {other.Id}"));
    }

    [Fact]
    public async Task ANodeOfAnotherFacility_CannotBeEditedThroughOnesOwnFacility()
    {
        var own = await fixture.FacilityAsync(await fixture.FacilityIdAsync("NVH"));
        var foreignNode = (await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"))).Nodes[0];

        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new RemoveNode(own.Id, own.Version, foreignNode.Id));
        var echo = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new TestNodeConnection(own.Id, foreignNode.Id));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("The node does not belong to this facility.", result.Failure.Message);
        Assert.Equal(FailureKind.NotFound, echo.Failure!.Kind);
    }

    [Fact]
    public async Task EditingANodeOfAStaleFacilityCopy_IsAConflict()
    {
        var seen = await fixture.FacilityAsync(await fixture.FacilityIdAsync("RCH"));
        await AddAsync("RCH", Node("RCH_OTHER", port: 11401));

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(seen.Id, seen.Version, Node("RCH_LATE", port: 11402)));

        Assert.Equal(FailureKind.Conflict, result.Failure!.Kind);
    }

    [Fact]
    public async Task TestConnection_ReportsTheRoundTrip_OrTheReadableFailure()
    {
        await using var scp = TestScp.Start(o => o.AeTitle = "ECHO_OK");
        var closedPort = FreePort.Next();
        var (facilityId, upId) = await AddAsync("LIC", Node("ECHO_OK", port: scp.Port));
        var (_, downId) = await AddAsync("LIC", Node("ECHO_DOWN", port: closedPort));

        var up = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(facilityId, upId));
        var down = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(facilityId, downId));

        Assert.True(up.Value!.Succeeded, up.Value.Error);
        Assert.InRange(up.Value.RoundTripMs, 0.0, 10_000);
        Assert.False(down.Value!.Succeeded);
        Assert.Equal($"PACS ECHO_DOWN at 127.0.0.1:{closedPort} cannot be reached: nothing accepts connections on that port; is the service running and listening there? (connection refused).", down.Value.Error);
        Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, $"C-ECHO to ECHO_DOWN at 127.0.0.1:{closedPort} failed"));
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class NodeAdministrationTests(UseCaseFixture fixture) : NodeAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class NodeAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : NodeAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
