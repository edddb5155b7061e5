using System.Text.RegularExpressions;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

public sealed class SignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task Clerk_SignsIn_AndSeesHomeWithTheirFacility()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);

        await login.OpenAsync();
        await login.SignInAsync(DemoUsers.ClerkNvh.UserName, DemoUsers.ClerkNvh.Password);

        var shell = new Shell(page);
        await Expect(page).ToHaveURLAsync(new Regex($"^{Regex.Escape(browser.App.BaseUrl)}/?$"));
        await Expect(shell.Heading).ToHaveTextAsync("Welcome, Aoife Brennan");
        await Expect(page.GetByTestId("home-facility")).ToHaveTextAsync("Northvale General Hospital (NVH)");
        await Expect(shell.Navigation.GetByRole(AriaRole.Link, new() { Name = "Requests" })).ToBeVisibleAsync();
        await Expect(shell.Navigation.GetByRole(AriaRole.Link, new() { Name = "Administration" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task FiveWrongPasswords_LockTheAccount_WithoutSayingWhetherItExists()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await login.SignInAsync(DemoUsers.ClerkSbr.UserName, $"wrong-password-{attempt:00}");
            await Expect(login.Error).ToContainTextAsync("Sign-in failed");
        }

        await login.SignInAsync(DemoUsers.ClerkSbr.UserName, DemoUsers.ClerkSbr.Password);
        await Expect(login.Error).ToContainTextAsync("Sign-in failed");
        var lockedMessage = await login.Error.TextContentAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));

        // An unknown user gets the very same words: the page does not reveal which accounts exist.
        await login.SignInAsync("nobody.at.all", "wrong-password-00");
        await Expect(login.Error).ToHaveTextAsync(lockedMessage!);

        var lockedOut = await browser.App.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(DemoUsers.ClerkSbr.UserName);
            return await users.IsLockedOutAsync(user!);
        });
        Assert.True(lockedOut);

        // Every attempt is in the audit trail, with the user name and address, and no password anywhere.
        var attempts = await browser.App.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ImagePortal.Infrastructure.Data.ImagePortalDbContext>();
            return await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
                db.AuditEvents.Where(e => e.Type == ImagePortal.Domain.Audit.AuditEventType.UserAuthentication && e.UserName == DemoUsers.ClerkSbr.UserName),
                TestContext.Current.CancellationToken);
        });
        Assert.Equal(6, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(ImagePortal.Domain.Audit.AuditOutcome.MinorFailure, a.Outcome));
        Assert.All(attempts, a => Assert.Equal("127.0.0.1", a.Address));
        Assert.DoesNotContain(attempts, a => a.Description.Contains("wrong-password", StringComparison.Ordinal) || a.Description.Contains(DemoUsers.ClerkSbr.Password, StringComparison.Ordinal));
        Assert.Equal("Sign-in refused: account locked", attempts[^1].Description);
    }

    [Fact]
    public async Task Clerk_OpeningAnAdminPageByUrl_GetsAccessDenied()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(DemoUsers.ClerkNvh.UserName, DemoUsers.ClerkNvh.Password);
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Welcome, Aoife Brennan");

        var response = await page.GotoAsync("/admin/facilities");

        Assert.Equal(403, response!.Status);
        await Expect(new Shell(page).Heading).ToHaveTextAsync("403: access denied");
        await Expect(page.GetByRole(AriaRole.Grid)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_EvenForACopiedCookie()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password);
        var shell = new Shell(page);
        await Expect(shell.Heading).ToHaveTextAsync("Welcome, Declan Walsh");
        var cookiesBeforeSignOut = await context.CookiesAsync();

        await shell.SignOutAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"));

        // Someone who copied the session cookie before sign-out gets nowhere with it either.
        await using var replay = await browser.NewContextAsync(cookiesBeforeSignOut.Select(c => new Cookie
        {
            Name = c.Name, Value = c.Value, Domain = c.Domain, Path = c.Path, HttpOnly = c.HttpOnly, Secure = c.Secure,
            SameSite = c.SameSite,
        }));
        var replayPage = await replay.NewPageAsync();
        await replayPage.GotoAsync("/");
        await Expect(replayPage).ToHaveURLAsync(new Regex("/Account/Login"));
    }
}
