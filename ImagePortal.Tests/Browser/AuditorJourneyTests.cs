using System.Text.RegularExpressions;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

public sealed class AuditorJourneyTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly (string UserName, string Password) Auditor = ("auditor", "demo-password-auditor");

    [Fact]
    public async Task Auditor_SeesTheTrail_VerifiesIt_ExportsIt_AndOpensTheReports()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, Auditor);

        await new Shell(page).Navigation.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Audit trail");
        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "Sign-in or sign-out" }).First).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Verify integrity" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(new Regex(@"Audit trail intact: \d+ events checked"));

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        Assert.StartsWith("Sequence,Id,At (UTC),Type", csv);
        Assert.Contains(",UserAuthentication,Execute,Success,", csv);
        var exports = await browser.App.InScopeAsync(async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync();
            return await db.AuditEvents.Where(e => e.Type == AuditEventType.Export && e.UserName == Auditor.UserName).Select(e => e.Description).ToListAsync();
        });
        Assert.Contains(exports, d => d.StartsWith("Audit trail exported as CSV", StringComparison.Ordinal));

        await new Shell(page).Navigation.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Reports");
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Requests filed" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Requests by facility pair" })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task ALinkClickedWhileThePageConnects_OpensThatPage_AndTheConnectedPageStaysOnIt()
    {
        // The window in which a user clicks a link on a page that is shown but not live yet: the circuit has been asked
        // to start for the home page, and its answers are held back until the click has happened. CI once caught the
        // page then flipping back to Home under the audit trail's address.
        await using var context = await browser.NewContextAsync();
        using var circuit = new HeldCircuitStart();
        await context.RouteWebSocketAsync(url => url.Contains("/_blazor?", StringComparison.Ordinal), circuit.Route);
        var page = await SignedIn.AsAsync(context, Auditor);
        await circuit.Requested.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);

        await new Shell(page).Navigation.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Audit trail");
        circuit.Release();

        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Audit trail");
        Assert.Equal("/audit", new Uri(page.Url).AbsolutePath);
    }
    [Fact]
    public async Task TheExports_AreRefusedToOtherRoles_AndToAnonymousCallers()
    {
        await using var clerkContext = await browser.NewContextAsync();
        await SignedIn.AsAsync(clerkContext, DemoUsers.ClerkNvh);
        await using var anonymous = await browser.NewContextAsync();

        var clerkAudit = await clerkContext.APIRequest.GetAsync("/audit/export.csv", new() { MaxRedirects = 0 });
        var clerkReport = await clerkContext.APIRequest.GetAsync("/reports/export.csv?from=2026-01-01&to=2026-01-31", new() { MaxRedirects = 0 });
        var anonymousAudit = await anonymous.APIRequest.GetAsync("/audit/export.csv", new() { MaxRedirects = 0 });

        Assert.Equal((403, 403), (clerkAudit.Status, clerkReport.Status));
        Assert.Equal(302, anonymousAudit.Status);
        Assert.StartsWith("/Account/Login", new Uri(new Uri(browser.App.BaseUrl), anonymousAudit.Headers["location"]).PathAndQuery);
        Assert.DoesNotContain("Sequence,Id", await clerkAudit.TextAsync());
    }
}
