using Bunit;
using ImagePortal.Tests.Features.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Reports;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>The auditor's pages rendered by bUnit on the real portal services, signed in as the demo auditor.</summary>
public sealed class AuditorPagesTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private readonly UseCaseFixture _portal;

    public AuditorPagesTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    private Task SignInAsAuditorAsync() => SignInAsync(_portal, AuditorSupport.NetworkAuditor);

    [Fact]
    public async Task AuditPage_ListsTheEvents_AndReportsAnIntactTrail()
    {
        var number = await AuditorSupport.FileAsync(_portal, DemoUsers.ClerkNvh.UserName, "SBR", "PAGE-A1");
        await SignInAsAuditorAsync();
        Render<MudPopoverProvider>();

        var page = Render<AuditEvents>();
        page.WaitForAssertion(() =>
        {
            Assert.Contains(number, page.Markup);
            Assert.Contains("PAGE-A1", page.Markup);
            foreach (var label in new[] { "Event type", "Outcome", "User name", "Patient ID", "Request number", "Description contains" })
            {
                Assert.Contains(label, page.Markup);
            }
        }, TimeSpan.FromSeconds(10));
        Assert.Equal("/audit/export.csv", page.FindAll("a").Single(a => a.TextContent.Contains("Export CSV")).GetAttribute("href"));

        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Contains("Verify integrity")).Click());

        page.WaitForAssertion(() => Assert.Matches(@"Audit trail intact: \d+ events checked from the first event", page.Find("[role=status]").TextContent.Trim()), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AuditPage_PagesOlderAndNewer_BySequence_WithoutPageNumbers()
    {
        await AuditorSupport.RecordAsync(_portal, "PAGE-K1", 60);
        await SignInAsAuditorAsync();
        Render<MudPopoverProvider>();
        var newest = await _portal.DbAsync(db => db.AuditEvents.MaxAsync(e => e.Sequence, Xunit.TestContext.Current.CancellationToken));

        var page = Render<AuditEvents>();
        page.WaitForAssertion(() => Assert.Contains($"#{newest} to #{newest - 24}, more older", page.Markup), TimeSpan.FromSeconds(10));
        Assert.True(Button(page, "Newer").HasAttribute("disabled"));

        await page.InvokeAsync(() => Button(page, "Older").Click());
        page.WaitForAssertion(() => Assert.Contains($"#{newest - 25} to #{newest - 49}, more older", page.Markup), TimeSpan.FromSeconds(10));

        await page.InvokeAsync(() => Button(page, "Newer").Click());
        page.WaitForAssertion(() => Assert.Contains($"#{newest} to #{newest - 24}, more older", page.Markup), TimeSpan.FromSeconds(10));
        // No "1-25 of 1,234": the total would be a COUNT over the whole trail on every page, slow at a million events.
        Assert.DoesNotMatch(@"\d+-\d+ of \d", page.Markup);

        static AngleSharp.Dom.IElement Button(IRenderedComponent<AuditEvents> page, string text) =>
            page.FindAll("button").Single(b => b.TextContent.Trim() == text);
    }

    [Fact]
    public async Task ReportsPage_WhilePrerendering_ShowsTheReport_AndAuditsItOnce()
    {
        // The circuit then finds this report in the page's persisted state and does not compute it again
        // (PrerenderTests.Reports_ComputeOncePerVisit_WhilePrerendering_AndTheLivePageShowsThatReport, in Chromium).
        await SignInAsAuditorAsync();
        Render<MudPopoverProvider>();
        Task<int> ViewsAsync() => _portal.DbAsync(db => db.AuditEvents.CountAsync(
            e => e.UserName == AuditorSupport.NetworkAuditor && e.Description.StartsWith("Request report viewed"), Xunit.TestContext.Current.CancellationToken));
        var before = await ViewsAsync();

        Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var prerendered = Render<RequestReportPage>();
        prerendered.WaitForAssertion(() => Assert.Contains("Median filed to decided", prerendered.Markup), TimeSpan.FromSeconds(10));

        Assert.DoesNotContain("Loading the report", prerendered.Markup);
        Assert.Equal(before + 1, await ViewsAsync());
    }

    [Fact]
    public async Task ReportsPage_ShowsKpisTablesAndTheWeeklyChart_ForTheLast30Days()
    {
        await AuditorSupport.FileAsync(_portal, DemoUsers.ClerkNvh.UserName, "SBR", "PAGE-R1");
        await SignInAsAuditorAsync();
        Render<MudPopoverProvider>();
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));

        var page = Render<RequestReportPage>();

        page.WaitForAssertion(() =>
        {
            Assert.Contains("Requests filed", page.Markup);
            Assert.Contains("Median filed to decided", page.Markup);
            Assert.Contains("Northvale General Hospital", page.Find("[aria-label='Requests by facility pair']").TextContent);
            Assert.NotEmpty(page.FindAll(".mud-chart"));
            var stages = page.Find("[aria-label='Turnaround per stage']").TextContent;
            Assert.Contains("Filed to claimed by an approver", stages);
            Assert.Contains("Approved to images imported", stages);
            Assert.Contains("Completed by their due time", page.Markup);
            Assert.Contains("within 5%", page.Markup);
        }, TimeSpan.FromSeconds(10));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal(
            $"/reports/export.csv?from={today.AddDays(-29):yyyy-MM-dd}&to={today:yyyy-MM-dd}",
            page.FindAll("a").Single(a => a.TextContent.Contains("Export CSV")).GetAttribute("href"));
    }

    [Fact]
    public async Task ReportsPage_DefaultPeriod_IsTheLast30DaysOnThePortalsClock()
    {
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 3, 15, 23, 30, 0, TimeSpan.Zero)));
        await SignInAsAuditorAsync();
        Render<MudPopoverProvider>();

        var page = Render<RequestReportPage>();

        page.WaitForAssertion(() => Assert.Contains("Median filed to decided", page.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(
            "/reports/export.csv?from=2026-02-14&to=2026-03-15",
            page.FindAll("a").Single(a => a.TextContent.Contains("Export CSV")).GetAttribute("href"));
    }
}
