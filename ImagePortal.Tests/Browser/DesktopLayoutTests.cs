using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The worklists on an ordinary hospital desktop (1366 × 900): filters above the table rather than over its headers,
/// every column in reach without scrolling sideways, and a time on one line (its zone as a caption) rather than a date
/// broken over three.
/// </summary>
public sealed class DesktopLayoutTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int Width = 1366;

    [Fact]
    public async Task TheClerksWorklist_HasItsFiltersAboveTheHeaders_EveryColumnInReach_AndTimesOnOneLine()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await clerk.SetViewportSizeAsync(Width, 900);
        await new NewRequestPage(clerk).FileToStBrigidsAsync("Layout", "Lena", "NVH-LAYOUT-1", "SBR-LAYOUT-1", "Prior CT chest for comparison");

        await clerk.GotoAsync("/requests");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        var row = clerk.GetByRole(AriaRole.Row).Filter(new() { HasText = "Layout, Lena" });
        await Expect(row).ToBeVisibleAsync();

        var filters = await BoxAsync(clerk.GetByRole(AriaRole.Search, new() { Name = "Filter the requests" }));
        var headers = await BoxAsync(clerk.GetByRole(AriaRole.Row).First);
        Assert.True(filters.Y + filters.Height <= headers.Y, $"The filters (y {filters.Y}..{filters.Y + filters.Height}) overlap the column headers (y {headers.Y}).");

        await AssertEveryColumnInReachAsync(clerk);

        foreach (var when in await row.Locator(".local-time-when").AllAsync())
        {
            var lines = await LinesAsync(when);
            Assert.True(lines == 1, $"The time \"{await when.TextContentAsync()}\" takes {lines} lines.");
        }
    }

    [Fact]
    public async Task TheAuditTrail_KeepsTheDescriptionInReach_WhenObjectsAreLongDicomUids()
    {
        const string uid = "1.2.826.0.1.3680043.8.498.10374012834772399181736215423546710563";
        var app = browser.App;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            await trail.RecordAsync(
                new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, AuditOutcome.Success,
                    $"Study {uid} stored into NVH_PACS for request REQ-2026-LAYOUT", "NVH-LAYOUT-2", $"{uid}/{uid}.1"),
                null, "layout.test", null, "127.0.0.1", TestContext.Current.CancellationToken);
        }

        await using var context = await browser.NewContextAsync();
        var auditor = await SignedIn.AsAsync(context, ("auditor", "demo-password-auditor"));
        await auditor.SetViewportSizeAsync(Width, 900);
        await auditor.GotoAsync("/audit");
        await new Shell(auditor).WaitUntilInteractiveAsync();
        await Expect(auditor.GetByRole(AriaRole.Row).Filter(new() { HasText = "REQ-2026-LAYOUT" })).ToBeVisibleAsync();

        await AssertEveryColumnInReachAsync(auditor);
        var description = await BoxAsync(auditor.GetByRole(AriaRole.Columnheader, new() { Name = "Description" }));
        Assert.True(description.X + description.Width <= Width, $"The Description column ends at x={description.X + description.Width}, beyond the {Width} px screen.");
    }

    /// <summary>No table of the page scrolls sideways, and the page itself is no wider than the screen.</summary>
    private static async Task AssertEveryColumnInReachAsync(IPage page)
    {
        var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= Width, $"The page is {pageWidth} px wide on a {Width} px screen.");
        var overflowing = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('table')]
                .map(t => t.parentElement)
                .filter(c => c.scrollWidth > c.clientWidth + 1)
                .map(c => `${c.className || c.tagName}: ${c.scrollWidth} > ${c.clientWidth}`)
            """);
        Assert.True(overflowing.Length == 0, $"A table scrolls sideways: {string.Join(", ", overflowing)}.");
    }

    private static async Task<LocatorBoundingBoxResult> BoxAsync(ILocator locator)
    {
        await Expect(locator).ToBeVisibleAsync();
        return await locator.BoundingBoxAsync() ?? throw new InvalidOperationException("The element has no box.");
    }

    private static Task<int> LinesAsync(ILocator element) => element.EvaluateAsync<int>("""
        e => {
            const lineHeight = parseFloat(getComputedStyle(e).lineHeight) || parseFloat(getComputedStyle(e).fontSize) * 1.5;
            return Math.round(e.getBoundingClientRect().height / lineHeight);
        }
        """);
}
