using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// On a phone (390 × 844 CSS pixels): the app bar's bell and user menu are on screen and sign-out is reachable; a clerk
/// reads a request and an approver claims one from the inbox, neither page wider than the screen.
/// </summary>
public sealed class PhoneWidthTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int Width = 390;

    [Fact]
    public async Task OnAPhone_TheBellAndTheUserMenuAreOnScreen_AndSignOutIsReachable()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await clerk.SetViewportSizeAsync(Width, 844);
        await clerk.GotoAsync("/");
        await new Shell(clerk).WaitUntilInteractiveAsync();

        foreach (var control in new[] { clerk.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Notifications") }), clerk.GetByRole(AriaRole.Button, new() { Name = "User menu" }) })
        {
            await Expect(control).ToBeVisibleAsync();
            var box = await control.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= Width, $"{await control.GetAttributeAsync("aria-label")} is at x={box.X}..{box.X + box.Width}, outside the {Width} px screen.");
        }

        var pageWidth = await clerk.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= Width, $"The home page is {pageWidth} px wide on a {Width} px screen.");

        await clerk.GetByRole(AriaRole.Button, new() { Name = "User menu" }).ClickAsync();
        await clerk.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).ClickAsync();
        await Expect(clerk).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
    }

    [Fact]
    public async Task OnAPhone_TheClerkReadsARequest_AndTheApproverClaimsItFromTheInbox_WithoutScrollingSideways()
    {
        await using var clerkContext = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(clerkContext, DemoUsers.ClerkNvh);
        var number = await new NewRequestPage(clerk).FileToStBrigidsAsync("Phone", "Pia", "NVH-PHONE-1", "SBR-PHONE-1", "Prior mammography for comparison");

        await clerk.SetViewportSizeAsync(Width, 844);
        await clerk.GotoAsync($"/requests/{number}");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await Expect(clerk.GetByRole(AriaRole.Heading, new() { Name = number, Level = 1 })).ToBeVisibleAsync();
        await AssertWithinScreenAsync(clerk.GetByRole(AriaRole.Heading, new() { Name = number, Level = 1 }));
        await AssertWithinScreenAsync(clerk.GetByTestId("request-status"));
        await AssertFitsAsync(clerk, "The request page");

        await using var approverContext = await browser.NewContextAsync();
        var approver = await SignedIn.AsAsync(approverContext, DemoUsers.ApproverSbr);
        await approver.SetViewportSizeAsync(Width, 844);
        await approver.GotoAsync("/inbox");
        await new Shell(approver).WaitUntilInteractiveAsync();
        var claim = approver.GetByRole(AriaRole.Button, new() { Name = $"Claim {number}" });
        await AssertWithinScreenAsync(claim);
        await AssertFitsAsync(approver, "The inbox");
        await claim.ClickAsync();

        await approver.GotoAsync($"/requests/{number}");
        await new Shell(approver).WaitUntilInteractiveAsync();
        await Expect(approver.GetByTestId("request-status")).ToHaveTextAsync("Claimed");
        await AssertWithinScreenAsync(approver.GetByRole(AriaRole.Button, new() { Name = "Release" }));
        await AssertWithinScreenAsync(approver.GetByRole(AriaRole.Button, new() { Name = "Search PACS" }));
        await AssertFitsAsync(approver, "The claimed request page");
    }

    private static async Task AssertWithinScreenAsync(ILocator control)
    {
        await Expect(control).ToBeVisibleAsync();
        var box = await control.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= Width, $"\"{await control.TextContentAsync()}\" is at x={box.X}..{box.X + box.Width}, outside the {Width} px screen.");
    }

    private static async Task AssertFitsAsync(IPage page, string what)
    {
        var pageWidth = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(pageWidth <= Width, $"{what} is {pageWidth} px wide on a {Width} px screen.");
    }
}
