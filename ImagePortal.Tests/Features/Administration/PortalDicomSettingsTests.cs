using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Administration.DicomSettings;
using ImagePortal.Web.Features.Administration.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Administration;

public sealed class PortalDicomSettingsTests(PortalDicomSettingsFixture fixture) : IClassFixture<PortalDicomSettingsFixture>
{
    [Fact]
    public async Task Saving_ReplacesTheConfiguredDefaults_AndThePacsGatewayCallsWithTheNewAeTitle()
    {
        await using var scp = TestScp.Start(o =>
        {
            o.AeTitle = "STRICT_PACS";
            o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["ADMIN_PORTAL"] = DicomPermissions.All };
        });
        var node = await AddNodeAsync(scp.Port);

        var defaults = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetPortalDicomSettings());
        Assert.Equal(("CONFIGURED_AE", 11999, (Guid?)null), (defaults.Value!.AeTitle, defaults.Value.Port, defaults.Value.Version));
        Assert.Equal(["NVH_PACS"], defaults.Value.AllowedCallingAeTitles);
        var before = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(node.FacilityId, node.Id));
        Assert.False(before.Value!.Succeeded);

        var save = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new UpdatePortalDicomSettings("ADMIN_PORTAL", 11998, ["NVH_PACS", " SBR_PACS ", "NVH_PACS", ""], null));
        Assert.True(save.IsSuccess, save.Failure?.Message);

        var saved = (await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetPortalDicomSettings())).Value!;
        Assert.Equal(("ADMIN_PORTAL", 11998), (saved.AeTitle, saved.Port));
        Assert.Equal(["NVH_PACS", "SBR_PACS"], saved.AllowedCallingAeTitles);
        Assert.Equal("ADMIN_PORTAL", (await fixture.Services.GetRequiredService<IPortalDicomSettings>().GetAsync(TestContext.Current.CancellationToken)).AeTitle);
        var after = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(node.FacilityId, node.Id));
        Assert.True(after.Value!.Succeeded, after.Value.Error);
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Portal DICOM settings"));
        Assert.Contains("Before: defaults from configuration: AE title=CONFIGURED_AE, port=11999", audit.Description);
        Assert.Contains("After: AE title=ADMIN_PORTAL, port=11998, allowed calling AEs=NVH_PACS,SBR_PACS", audit.Description);

        var stale = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdatePortalDicomSettings("LATE", 104, [], null));
        Assert.Equal(FailureKind.Conflict, stale.Failure!.Kind);
    }

    [Theory]
    [InlineData("", 104, "X", "The AE title is required.")]
    [InlineData("ABCDEFGHIJKLMNOPQ", 104, "X", "The AE title must be at most 16 characters.")]
    [InlineData("OK", 70000, "X", "The port must be between 1 and 65535.")]
    [InlineData("OK", 104, "A\\B", "Allowed calling AE title 'A\\B': The AE title must not contain a backslash.")]
    public async Task BadSettings_AreRefusedWithClearMessages(string ae, int port, string calling, string message)
    {
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdatePortalDicomSettings(ae, port, [calling], null));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal(message, result.Failure.Message);
    }

    [Fact]
    public async Task OnlyNetworkAdministrators_MayChangeThem()
    {
        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new UpdatePortalDicomSettings("MINE", 104, [], null));

        Assert.Equal(FailureKind.Forbidden, result.Failure!.Kind);
    }

    private async Task<(Guid FacilityId, Guid Id)> AddNodeAsync(int port)
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("RCH"));
        var settings = new NodeSettings("Strict PACS", "STRICT_PACS", "127.0.0.1", port, false, DicomCapabilities.All, false);
        var added = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new AddNode(facility.Id, facility.Version, settings));
        Assert.True(added.IsSuccess, added.Failure?.Message);
        return (facility.Id, added.Value);
    }
}
