using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>A clerk on a phone (390 × 844 CSS pixels): the app bar's bell and user menu are on screen, and sign-out is reachable.</summary>
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
        await clerk.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(clerk).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
    }
}
