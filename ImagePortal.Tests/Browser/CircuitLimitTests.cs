using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>A portal that lets a user hold three live pages and releases a dropped page's circuit after two seconds.</summary>
public sealed class CircuitLimitBrowser() : BrowserFixtureBase(new Dictionary<string, string?>
{
    ["Authentication:MaxCircuitsPerUser"] = "3",
    ["Authentication:DisconnectedCircuitRetention"] = "00:00:02",
});

public sealed class CircuitLimitTests(CircuitLimitBrowser browser) : IClassFixture<CircuitLimitBrowser>
{
    [Fact]
    public async Task APageBeyondTheLimit_IsRefused_AndDroppedPagesAreReleasedAfterTheRetention()
    {
        var user = DemoUsers.ClerkSbr;
        var userId = await browser.App.InScopeAsync(async services =>
            (await services.GetRequiredService<UserManager<ApplicationUser>>().FindByNameAsync(user.UserName))!.Id);
        var circuits = browser.App.Services.GetRequiredService<UserCircuits>();
        await using var context = await browser.NewContextAsync();

        var first = await context.NewPageAsync();
        var login = new LoginPage(first);
        await login.OpenAsync();
        await login.SignInAsync(user.UserName, user.Password);
        await new Shell(first).WaitUntilInteractiveAsync();
        var pages = new List<IPage> { first };
        for (var i = 1; i < 3; i++)
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await new Shell(page).WaitUntilInteractiveAsync();
            pages.Add(page);
        }

        await Poll.UntilAsync(() => Task.FromResult(circuits.CountOf(userId) == 3), TimeSpan.FromSeconds(15),
            () => Task.FromResult($"{circuits.CountOf(userId)} circuits counted, 3 expected"));

        var extra = await context.NewPageAsync();
        await extra.GotoAsync("/");
        await Expect(extra.GetByRole(AriaRole.Heading, new() { Name = "Too many open portal pages" })).ToBeVisibleAsync();
        await Expect(extra.GetByText("You already have 3 ImagePortal pages open")).ToBeVisibleAsync();
        Assert.Equal(3, circuits.CountOf(userId));
        var alerts = await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().AuditEvents
            .CountAsync(e => e.Type == AuditEventType.SecurityAlert && e.UserId == userId && e.Description.StartsWith("Live page refused"),
                TestContext.Current.CancellationToken));
        Assert.Equal(1, alerts);

        // The browser dies without a goodbye (no unload, no disconnect beacon): the circuits are only disconnected, and
        // the server releases them once the two-second retention has passed.
        foreach (var page in pages)
        {
            var cdp = await context.NewCDPSessionAsync(page);
            try
            {
                await cdp.SendAsync("Page.crash").WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            }
            catch (Exception exception) when (exception is PlaywrightException or TimeoutException)
            {
                // A crashed renderer does not answer the command that crashed it.
            }
        }

        await Poll.UntilAsync(() => Task.FromResult(circuits.CountOf(userId) == 0), TimeSpan.FromSeconds(20),
            () => Task.FromResult($"{circuits.CountOf(userId)} circuits still counted after the browser died"));

        // With the pages released, the user may open one again.
        var again = await context.NewPageAsync();
        await again.GotoAsync("/");
        await new Shell(again).WaitUntilInteractiveAsync();
    }
}
