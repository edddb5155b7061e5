using System.Text.RegularExpressions;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>A portal whose sessions are checked every second, so that ends of sessions show quickly.</summary>
public sealed class FastRevalidationBrowser() : BrowserFixtureBase(new Dictionary<string, string?>
{
    ["Authentication:RevalidationInterval"] = "00:00:01",
    ["Authentication:IdleTimeout"] = "00:00:06",
    ["Authentication:RequireTwoFactorForRoles:0"] = "NetworkAdmin",
});

public sealed class SessionTests(FastRevalidationBrowser browser) : IClassFixture<FastRevalidationBrowser>
{
    private static async Task<IPage> SignInAsync(IBrowserContext context, (string UserName, string Password) user)
    {
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(user.UserName, user.Password);
        return page;
    }

    [Fact]
    public async Task DisablingAUser_EndsTheirOpenPage()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignInAsync(context, DemoUsers.ApproverSbr);
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();
        await Expect(shell.Heading).ToHaveTextAsync("Welcome, Declan Walsh");

        await browser.App.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(DemoUsers.ApproverSbr.UserName);
            user!.IsDisabled = true;
            await users.UpdateAsync(user);
            return await users.UpdateSecurityStampAsync(user);
        });

        // The circuit re-checks the user and sends the page to sign-in, where the account is refused.
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"), new() { Timeout = 20_000 });
        var login = new LoginPage(page);
        await login.SignInAsync(DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password);
        await Expect(login.Error).ToContainTextAsync("Sign-in failed");
    }

    [Fact]
    public async Task AnIdlePage_IsSignedOut_AfterTheIdleTimeout()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignInAsync(context, DemoUsers.ClerkSbr);
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();

        // No input at all: after the 6 s idle timeout the next revalidation ends the session.
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Login"), new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task LiveUpdatesAlone_DoNotKeepAnIdlePageSignedIn()
    {
        // Not approver.sbr: DisablingAUser_EndsTheirOpenPage disables that account in this class's portal.
        var number = await FileRequestToStBrigidsAsync("NVH-IDLE1");
        await using var context = await browser.NewContextAsync();
        var page = await SignInAsync(context, DemoUsers.SecondApproverSbr);
        await page.GotoAsync($"/requests/{number}");
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();
        await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, new AddComment(number, "Live update 1"));

        // Until the first live update shows, the approver is active (a click on the heading), so that on a loaded machine
        // the 6 s timeout cannot end the page before it has shown that live updates reach it (CI: signed out first).
        await Poll.UntilAsync(async () =>
        {
            await shell.Heading.ClickAsync();
            return await page.GetByText("Live update 1").IsVisibleAsync();
        }, TimeSpan.FromSeconds(15), () => Task.FromResult($"The first live update never showed: {page.Url}"));
        await Expect(page.GetByText("Live update 1")).ToBeVisibleAsync();

        // The clerk keeps commenting (every half second, far more often than the 6 s idle timeout); the approver's page
        // renders each comment and acknowledges it, but the approver touches nothing and must be signed out.
        var comments = 1;
        var polls = 0;
        await Poll.UntilAsync(async () =>
        {
            if (page.Url.Contains("/Account/Login", StringComparison.Ordinal))
            {
                return true;
            }

            if (++polls % 5 == 0)
            {
                await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, new AddComment(number, $"Live update {++comments}"));
            }

            return false;
        }, TimeSpan.FromSeconds(30), () => Task.FromResult($"Still signed in after {comments} live updates: {page.Url}"));

        var signOuts = await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().AuditEvents
            .CountAsync(e => e.UserName == DemoUsers.SecondApproverSbr.UserName && e.Description == "Signed out: idle past the timeout",
                TestContext.Current.CancellationToken));
        Assert.True(signOuts >= 1, "No idle sign-out in the audit trail.");
    }

    [Fact]
    public async Task AUserWhoKeepsClicking_StaysSignedIn_PastTheIdleTimeout()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignInAsync(context, DemoUsers.ApproverNvh);
        var shell = new Shell(page);
        await shell.WaitUntilInteractiveAsync();

        // Three idle timeouts of a user who clicks every half second: every click is activity.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(18);
        while (DateTime.UtcNow < until)
        {
            await shell.Heading.ClickAsync();
            Assert.DoesNotContain("/Account/Login", page.Url, StringComparison.Ordinal);
            await Task.Delay(500, TestContext.Current.CancellationToken);
        }

        Assert.DoesNotContain("/Account/Login", page.Url, StringComparison.Ordinal);
        await Expect(shell.Heading).ToBeVisibleAsync();
    }

    private async Task<string> FileRequestToStBrigidsAsync(string localMrn)
    {
        var sbr = await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().Facilities
            .Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));
        var filed = await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Keane", GivenName = "Tomás", Sex = PatientSex.Male, LocalMrn = localMrn, Modalities = ["CR"],
            ClinicalReason = "Fracture follow-up",
        });
        return filed.Value!.Number!;
    }

    [Fact]
    public async Task MandatoryTwoFactor_MakesTheUserEnrol_ThenAsksForTheCodeAtSignIn()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignInAsync(context, DemoUsers.NetworkAdmin);

        // Enrolment is forced before any page of the portal.
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Manage/EnableAuthenticator"));
        await page.GotoAsync("/admin/facilities");
        await Expect(page).ToHaveURLAsync(new Regex("/Account/Manage/EnableAuthenticator"));
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "QR code to scan with your authenticator app" })).ToBeVisibleAsync();

        var key = await page.GetByTestId("authenticator-key").TextContentAsync();
        await page.GetByLabel("Verification Code").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Recovery codes" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Continue to the portal" }).ClickAsync();
        var shell = new Shell(page);
        await Expect(shell.Heading).ToHaveTextAsync("Welcome, Gráinne Murphy");

        // Next time, the password alone is not enough.
        await shell.SignOutAsync();
        var login = new LoginPage(page);
        await login.SignInAsync(DemoUsers.NetworkAdmin.UserName, DemoUsers.NetworkAdmin.Password);
        await Expect(page).ToHaveURLAsync(new Regex("/Account/LoginWith2fa"));
        await page.GetByLabel("Authenticator code").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(shell.Heading).ToHaveTextAsync("Welcome, Gráinne Murphy");
    }
}
