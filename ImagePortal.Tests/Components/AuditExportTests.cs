using Bunit;
using ImagePortal.Domain.Common;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Audit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>What an auditor and a network administrator are told about the syslog export and the chain's anchors.</summary>
public sealed class AuditExportTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private static readonly DateTimeOffset Then = new(2026, 12, 3, 9, 30, 0, TimeSpan.Zero);
    private readonly UseCaseFixture _portal;

    public AuditExportTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    [Fact]
    public void ABacklog_IsShownWithItsOldestEvent_AndTheCollectorsLastError()
    {
        var panel = Render<AuditExportPanel>(p => p.Add(c => c.Status, Status(backlog: 1234, error: "The syslog collector arr:6514 refused the connection: is it running?")));

        var text = panel.Find("[data-testid='audit-export']").TextContent;
        Assert.Contains("Syslog export to arr:6514", text);
        Assert.Contains("1,234 events waiting", text);
        Assert.Contains("refused the connection", text);
        Assert.Contains("kept and sent when the collector answers", text);
    }

    [Fact]
    public void NoBacklog_IsUpToDate()
    {
        var panel = Render<AuditExportPanel>(p => p.Add(c => c.Status, Status(backlog: 0, error: null)));

        var text = panel.Find("[data-testid='audit-export']").TextContent;
        Assert.Contains("up to date", text);
        Assert.DoesNotContain("failed", text);
    }

    [Fact]
    public void NoExport_IsSaidPlainly()
    {
        var panel = Render<AuditExportPanel>(p => p.Add(c => c.Status, Status(backlog: 0, error: null) with { Collector = null }));

        Assert.Contains("exists only in the portal's database", panel.Find("[data-testid='audit-export']").TextContent);
    }

    [Fact]
    public async Task TheNetworkAdministrator_SeesTheExportAndTheChainsKeyFingerprint_AndOthersMayNotAsk()
    {
        var keyId = _portal.Services.GetRequiredService<ImagePortal.Infrastructure.Audit.AuditKeyRing>().Current.Id;
        await SignInAsync(_portal, DemoUsers.NetworkAdmin.UserName);
        Render<MudPopoverProvider>();

        var page = Render<AuditExportPage>();

        page.WaitForAssertion(() => Assert.Contains(keyId, page.Markup), TimeSpan.FromSeconds(10));
        Assert.Contains("not sent to a syslog collector", page.Markup);
        var refused = await _portal.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetAuditExportStatus());
        Assert.Equal(FailureKind.Forbidden, refused.Failure!.Kind);
    }

    private static AuditExportStatus Status(long backlog, string? error) =>
        new("arr:6514", backlog, backlog > 0 ? Then : null, 10, Then, error, error is null ? null : Then, "0123456789abcdef", new CheckpointSummary(10, Then, true));
}
