using System.Text.RegularExpressions;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>The approver's home and inbox in Chromium: a figure opens the list it counts, Claim opens the request.</summary>
public sealed class HomeBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ApproversOverdueFigure_OpensTheInboxFilteredToOverdue_AndClaimOpensTheClaimedRequest()
    {
        var number = await FileOverdueAsync($"HOME-{Guid.NewGuid():N}"[..14]);
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);

        var card = page.GetByRole(AriaRole.Heading, new() { Name = "Requests to decide" });
        await Expect(card).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = number })).ToBeVisibleAsync();
        await new Shell(page).WaitUntilInteractiveAsync();
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex(@"^\d+ overdue$") }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/inbox\\?queue=overdue$"));
        await Expect(page.GetByTestId("queue-banner")).ToContainTextAsync("past their due time");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Claim {number}" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex($"/requests/{number}$"));
        await Expect(new Shell(page).Heading).ToContainTextAsync(number);
    }

    /// <summary>The approver's home used to count its inbox once per visit; it follows the inbox now.</summary>
    [Fact]
    public async Task ARequestFiledWhileTheApproversHomeIsOpen_ShowsInItsFiguresWithoutAReload()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await new Shell(page).WaitUntilInteractiveAsync();
        var inbox = page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex(@"^\d+ in your inbox$") });
        var before = int.Parse(Regex.Match(await inbox.InnerTextAsync(), @"\d+").Value, System.Globalization.CultureInfo.InvariantCulture);
        await page.EvaluateAsync("() => window.loadedOnce = true");

        var number = await FileOverdueAsync($"LIVE-{Guid.NewGuid():N}"[..14]);

        await Expect(inbox).ToHaveTextAsync(new Regex($@"^\s*{before + 1}\s*in your inbox\s*$"));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = number })).ToBeVisibleAsync();
        Assert.True(await page.EvaluateAsync<bool>("() => window.loadedOnce === true"), "The page was reloaded.");
    }

    /// <summary>A request NVH asks SBR for, due long ago: first in SBR's inbox and on its home page's "due next".</summary>
    private async Task<string> FileOverdueAsync(string localMrn)
    {
        var sbr = await browser.App.InScopeAsync(async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            return await db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct);
        });
        var result = await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Homepage", GivenName = "Test", BirthDate = new DateOnly(1970, 1, 1), Sex = PatientSex.Other, LocalMrn = localMrn,
            Modalities = ["CT"], ClinicalReason = "Prior imaging for comparison.", Priority = RequestPriority.Stat,
            ConfirmedNotDuplicate = true,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
        var number = result.Value!.Number!;
        await browser.App.InScopeAsync(async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            return await db.ImageRequests.Where(r => r.Number == number)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.DueAt, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)), Ct);
        });
        return number;
    }
}
