using System.Text.Json;
using System.Text.RegularExpressions;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// A page load shows the prerendered page before its circuit runs it, and the circuit's render replaces it. What a person
/// does in between must not be thrown away, and what the prerendered page says must not be false.
/// </summary>
public sealed class PrerenderTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly (string UserName, string Password) Auditor = ("auditor", "demo-password-auditor");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Search_RefusesTypingWhileThePageIsNotLive_AndKeepsWhatIsTypedOnceItIs()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        using var circuit = new HeldCircuitStart();
        await context.RouteWebSocketAsync(url => url.Contains("/_blazor?", StringComparison.Ordinal), circuit.Route);
        var search = new PartnerSearchPage(page);

        await page.GotoAsync("/search");
        await circuit.Requested.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        await Expect(search.PatientId).ToBeDisabledAsync();
        await search.PatientId.ClickAsync(new() { Force = true });
        await page.Keyboard.TypeAsync("TYPED-TOO-EARLY");
        await Expect(search.PatientId).ToHaveValueAsync(string.Empty);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true })).ToBeDisabledAsync();

        circuit.Release();
        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(search.PatientId).ToBeEnabledAsync();
        await search.PatientId.PressSequentiallyAsync("MRN-KEPT");
        await Expect(search.PatientId).ToHaveValueAsync("MRN-KEPT");
    }

    [Fact]
    public async Task Search_TextTypedAsSoonAsThePageShows_IsStillThereWhenThePageIsLive()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        var search = new PartnerSearchPage(page);

        // Fill waits for the field to take input: either it already does (the page is live) or it refuses until then.
        await page.GotoAsync("/search", new() { WaitUntil = WaitUntilState.Commit });
        await search.PatientId.FillAsync("MRN-EARLY");
        await new Shell(page).WaitUntilInteractiveAsync();

        await Expect(search.PatientId).ToHaveValueAsync("MRN-EARLY");
    }

    [Theory]
    [InlineData("/inbox", "approver.sbr", "demo-password-approver", "Nothing waits for a decision.")]
    [InlineData("/requests", "clerk.nvh", "demo-password-clerk", "No requests match.")]
    public async Task AListWithData_NeverSaysItIsEmpty_BeforeItsRowsShow(string path, string userName, string password, string emptyText)
    {
        var number = await FileRequestAsync($"PRE-{Guid.NewGuid():N}"[..16]);
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, (userName, password));
        await page.AddInitScriptAsync(SeenTextScript(emptyText));

        var response = await page.GotoAsync(path);
        Assert.DoesNotContain(emptyText, await response!.TextAsync(), StringComparison.Ordinal);
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^REQ-") }).First).ToBeVisibleAsync();
        await new Shell(page).WaitUntilInteractiveAsync();

        Assert.False(await page.EvaluateAsync<bool>("() => window.portalTextSeen"), $"{path} said '{emptyText}' before its rows (request {number} exists).");
    }

    [Theory]
    [InlineData("/requests", "clerk.nvh", "demo-password-clerk", false)]
    [InlineData("/inbox", "approver.sbr", "demo-password-approver", false)]
    [InlineData("/jobs", "approver.sbr", "demo-password-approver", true)]
    public async Task AList_ShowsItsFirstRows_BeforeTheCircuitIsLive_AndTheLiveGridTakesOverWithoutTheRowsBlinkingOut(
        string path, string userName, string password, bool approved)
    {
        // A request filed now (and approved, so that the jobs board has its retrieval) is on the list's first page.
        var number = await FileRequestAsync($"PRE-{Guid.NewGuid():N}"[..16]);
        if (approved)
        {
            await ApproveAsync(number);
        }

        var row = new PageGetByRoleOptions { Name = number, Exact = true };
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, (userName, password));
        await page.AddInitScriptAsync(RowsGoneScript);
        using var circuit = new HeldCircuitStart();
        await context.RouteWebSocketAsync(url => url.Contains("/_blazor?", StringComparison.Ordinal), circuit.Route);

        await page.GotoAsync(path);
        await circuit.Requested.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        // The circuit is held: what shows now is the prerendered page alone.
        await Expect(page.GetByRole(AriaRole.Link, row).First).ToBeVisibleAsync();

        circuit.Release();
        await new Shell(page).WaitUntilInteractiveAsync();
        // The live grid has read its own first page and replaced the prerendered one: one grid, and its pager.
        await Expect(page.Locator(".mud-table-root")).ToHaveCountAsync(1);
        await Expect(page.Locator(".mud-table-pagination-actions")).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, row).First).ToBeVisibleAsync();

        Assert.False(await page.EvaluateAsync<bool>("() => window.portalRowsGone"), $"{path}'s rows blinked out while its live grid took over.");
    }

    [Fact]
    public async Task TheAuditTrail_ShowsItsNewestEvents_BeforeTheCircuitIsLive_AndAuditsTheViewOnce()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, Auditor);
        var before = await AuditTrailViewsAsync();
        using var circuit = new HeldCircuitStart();
        await context.RouteWebSocketAsync(url => url.Contains("/_blazor?", StringComparison.Ordinal), circuit.Route);

        await page.GotoAsync("/audit");
        await circuit.Requested.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        var firstRow = page.Locator(".mud-table-body tr.mud-table-row:has(td + td)").First;
        await Expect(firstRow).ToBeVisibleAsync();
        var shown = await firstRow.InnerTextAsync();

        circuit.Release();
        await new Shell(page).WaitUntilInteractiveAsync();
        // The live page shows the page the prerendered one read, and that read is the visit's one audited view.
        await Expect(firstRow).ToHaveTextAsync(shown);
        Assert.Equal(before + 1, await AuditTrailViewsAsync());
    }

    private Task<int> AuditTrailViewsAsync() => browser.App.InScopeAsync(async services =>
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
        return await db.AuditEvents.CountAsync(e => e.UserName == Auditor.UserName && e.Description.StartsWith("Audit trail viewed"), Ct);
    });

    /// <summary>
    /// Sets <c>window.portalRowsGone</c> when the page, having shown data rows (a grid row with more than one cell), shows
    /// none at some point after: each change of the page is checked as it happens.
    /// </summary>
    private const string RowsGoneScript = """
        window.portalRowsGone = false;
        let seen = false;
        new MutationObserver(() => {
            const shown = [...document.querySelectorAll('.mud-table-body tr.mud-table-row')]
                .some(row => row.cells.length > 1 && row.offsetParent !== null);
            if (shown) { seen = true; } else if (seen) { window.portalRowsGone = true; }
        }).observe(document, { childList: true, subtree: true, attributes: true });
        """;

    [Fact]
    public async Task Reports_ComputeOncePerVisit_WhilePrerendering_AndTheLivePageShowsThatReport()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, Auditor);
        var before = await ReportsViewedAsync();
        await page.AddInitScriptAsync(SeenTextScript("Loading the report"));

        var response = await page.GotoAsync("/reports");
        Assert.Contains("Requests filed", await response!.TextAsync(), StringComparison.Ordinal);
        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Group, new() { Name = "Requests filed" })).ToBeVisibleAsync();

        // Had the live page computed the report again, it would have shown its loading bar while doing so.
        Assert.False(await page.EvaluateAsync<bool>("() => window.portalTextSeen"));
        Assert.Equal(before + 1, await ReportsViewedAsync());
    }

    /// <summary>Sets <c>window.portalTextSeen</c> once <paramref name="text"/> is anywhere in the page (as text or as an
    /// attribute), from the first byte of the page on: a mutation observer sees what the parser inserts.</summary>
    private static string SeenTextScript(string text) => $$"""
        window.portalTextSeen = false;
        new MutationObserver(() => {
            const html = document.documentElement ? document.documentElement.outerHTML : '';
            if (html.includes({{JsonSerializer.Serialize(text)}})) { window.portalTextSeen = true; }
        }).observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
        """;

    private Task<int> ReportsViewedAsync() => browser.App.InScopeAsync(async services =>
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
        return await db.AuditEvents.CountAsync(
            e => e.UserName == Auditor.UserName && e.Type == AuditEventType.Query && e.Description.StartsWith("Request report viewed"), Ct);
    });

    private async Task ApproveAsync(string number)
    {
        var approver = DemoUsers.ApproverSbr.UserName;
        var details = await browser.App.QueryAsync(approver, new GetRequest(number));
        Assert.True((await browser.App.CommandAsync(approver, new ClaimRequest(number, details.Value!.Version))).IsSuccess);
        var claimed = await browser.App.QueryAsync(approver, new GetRequest(number));
        var approved = await browser.App.CommandAsync(approver, new ApproveRequest(number, claimed.Value!.Version,
            [new ApprovedStudy(SyntheticStudy.NewUid(), new DateOnly(2024, 1, 15), "CT", "Prerender test study", null, 1, new SourcePatient("SBR-PRE", null, null, null))]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
    }

    private async Task<string> FileRequestAsync(string localMrn)
    {
        var sbr = await browser.App.InScopeAsync(async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            return await db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct);
        });
        var result = await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Prerender", GivenName = "Test", BirthDate = new DateOnly(1970, 1, 1), Sex = PatientSex.Other, LocalMrn = localMrn,
            Modalities = ["CT"], ClinicalReason = "Prior imaging for comparison.", Priority = RequestPriority.Stat,
            ConfirmedNotDuplicate = true,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!.Number!;
    }
}
