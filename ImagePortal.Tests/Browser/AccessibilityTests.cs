using System.Text.RegularExpressions;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// WCAG 2.2 AA, as axe-core checks it: every page each role reaches, with its menus and pickers open where that is
/// cheap, has no critical or serious violation. One browser context per role; each page is loaded and scanned once
/// its circuit is live and its data has arrived.
/// </summary>
public sealed class AccessibilityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly (string UserName, string Password) Auditor = ("auditor", "demo-password-auditor");

    private static readonly (string Family, string Given, string LocalMrn) FiledPatient = ("Keane", "Tomás", "NVH-A11Y-1");

    private static readonly string[] EveryRole = ["/", "/notifications"];

    /// <summary>Pages every role shares and that look the same to each: checked once, in the two-factor test.</summary>
    private static readonly string[] Shared =
        ["/not-found", "/no-such-page", "/Account/Manage", "/Account/Manage/ChangePassword", "/Account/Manage/TwoFactorAuthentication"];

    private static readonly string[] Administration =
        ["/jobs", "/admin/facilities", "/admin/facilities/new", "/admin/agreements", "/admin/users", "/admin/quarantine"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Roles => ["clerk", "approver", "facility admin", "auditor", "network admin"];

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task EveryPageARoleReaches_HasNoCriticalOrSeriousViolation(string role)
    {
        var user = role switch
        {
            "clerk" => DemoUsers.ClerkNvh,
            "approver" => DemoUsers.ApproverSbr,
            "facility admin" => DemoUsers.AdminNvh,
            "auditor" => Auditor,
            "network admin" => DemoUsers.NetworkAdmin,
            _ => throw new ArgumentOutOfRangeException(nameof(role)),
        };
        List<string> pages = role switch
        {
            // The clerk's /audit and the auditor's /admin/users are the access-denied page.
            "clerk" => [.. EveryRole, "/requests", "/requests/new", "/facilities", "/search", "/audit"],
            "approver" => [.. EveryRole, "/inbox", "/jobs"],
            "facility admin" => [.. EveryRole, .. Administration, $"/admin/facilities/{await FacilityIdAsync("NVH")}"],
            "auditor" => [.. EveryRole, "/reports", "/audit", "/admin/users"],
            _ => [.. EveryRole, .. Administration, "/admin/dicom", "/admin/audit-export"],
        };
        if (role is "clerk" or "approver")
        {
            pages.Add($"/requests/{await FileRequestToStBrigidsAsync()}");
        }

        if (role is "facility admin" or "network admin")
        {
            await GiveAUserEveryStateAsync();
        }

        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, user);
        var violations = new List<string>();
        foreach (var path in pages)
        {
            await OpenAsync(page, path);
            violations.AddRange(await AxeScan.SeriousViolationsAsync(page, $"{role} {path}"));
        }

        await OpenAsync(page, "/");
        await page.GetByRole(AriaRole.Button, new() { Name = "User menu" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" })).ToBeVisibleAsync();
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, $"{role} / with the user menu open"));

        violations.AddRange(role switch
        {
            "clerk" => [.. await WithPickersOpenAsync(page), .. await WithADuplicateWarningAsync(page), .. await OnAPhoneAndInTheDarkAsync(page)],
            "approver" => await AfterClaimingAsync(page),
            _ => [],
        });

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public async Task TheSignInAccountAndTwoFactorPages_HaveNoCriticalOrSeriousViolation()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        async Task ScanAsync(string what) => violations.AddRange(await AxeScan.SeriousViolationsAsync(page, what));

        foreach (var path in new[] { "/Account/Login", "/Account/Lockout", "/Account/ChoosePassword?userId=x&code=y", "/Account/InvalidUser" })
        {
            await page.GotoAsync(path);
            await ScanAsync(path);
        }

        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(DemoUsers.ClerkSbr.UserName, "not the password");
        await Expect(login.Error).ToBeVisibleAsync();
        await ScanAsync("/Account/Login after a failed sign-in");

        await login.SignInAsync(DemoUsers.ClerkSbr.UserName, DemoUsers.ClerkSbr.Password);
        await Expect(new Shell(page).Heading).ToContainTextAsync("Welcome");
        foreach (var path in Shared)
        {
            await OpenAsync(page, path);
            await ScanAsync(path);
        }

        await page.GotoAsync("/Account/Manage/EnableAuthenticator");
        await ScanAsync("/Account/Manage/EnableAuthenticator");
        var key = await page.GetByTestId("authenticator-key").TextContentAsync();
        await page.GetByLabel("Verification Code").FillAsync(Totp.Code(key!, DateTimeOffset.UtcNow));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Recovery codes" })).ToBeVisibleAsync();
        await ScanAsync("the recovery codes");

        foreach (var path in new[]
                 {
                     "/Account/Manage/TwoFactorAuthentication", "/Account/Manage/Disable2fa",
                     "/Account/Manage/GenerateRecoveryCodes", "/Account/Manage/ResetAuthenticator",
                 })
        {
            await page.GotoAsync(path);
            await ScanAsync($"{path} with two-factor sign-in on");
        }

        await OpenAsync(page, "/");
        await new Shell(page).SignOutAsync();
        await login.SignInAsync(DemoUsers.ClerkSbr.UserName, DemoUsers.ClerkSbr.Password);
        await Expect(page).ToHaveURLAsync(new Regex("/Account/LoginWith2fa"));
        await ScanAsync("/Account/LoginWith2fa");
        await page.GetByRole(AriaRole.Link, new() { Name = "log in with a recovery code" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/Account/LoginWithRecoveryCode"));
        await ScanAsync("/Account/LoginWithRecoveryCode");

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    /// <summary>The new-request form with its partner list, then its birth-date calendar, open.</summary>
    private static async Task<IReadOnlyList<string>> WithPickersOpenAsync(IPage page)
    {
        var violations = new List<string>();
        await OpenAsync(page, "/requests/new");
        await page.GetByLabel("Facility that holds the images").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option).First).ToBeVisibleAsync();
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, "clerk /requests/new with the partner list open"));
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);

        // The first of the form's calendars is the birth date's.
        await page.GetByRole(AriaRole.Button, new() { Name = "Open", Exact = true }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Birth date" })).ToBeVisibleAsync();
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, "clerk /requests/new with the birth-date calendar open"));
        return violations;
    }

    /// <summary>The new-request form warning of a similar request already filed, with a link to it in its text.</summary>
    private static async Task<IReadOnlyList<string>> WithADuplicateWarningAsync(IPage page)
    {
        var form = new NewRequestPage(page);
        await OpenAsync(page, "/requests/new");
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync(FiledPatient.Family, FiledPatient.Given, FiledPatient.LocalMrn);
        await form.ClinicalReason.FillAsync("Fracture follow-up");
        await form.Submit.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "File anyway" })).ToBeVisibleAsync();
        return await AxeScan.SeriousViolationsAsync(page, "clerk /requests/new warning of a similar request");
    }

    /// <summary>The requests list on a phone (its table scrolls sideways), then in the dark theme.</summary>
    private static async Task<IReadOnlyList<string>> OnAPhoneAndInTheDarkAsync(IPage page)
    {
        var violations = new List<string>();
        await page.SetViewportSizeAsync(390, 844);
        await OpenAsync(page, "/requests");
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, "clerk /requests on a phone"));
        await page.SetViewportSizeAsync(1280, 720);
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark theme" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light theme" })).ToBeVisibleAsync();
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, "clerk /requests in the dark theme"));
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Status" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option).First).ToBeVisibleAsync();
        violations.AddRange(await AxeScan.SeriousViolationsAsync(page, "clerk /requests in the dark theme with the statuses open"));
        return violations;
    }

    /// <summary>The inbox once the approver has claimed a request: its row changes and a snackbar says so.</summary>
    private static async Task<IReadOnlyList<string>> AfterClaimingAsync(IPage page)
    {
        await OpenAsync(page, "/inbox");
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Claim REQ-") }).First.ClickAsync();
        // As someone reading it would, the pointer rests on the snackbar: it stays, fully shown, instead of fading out.
        var snackbar = page.GetByRole(AriaRole.Alert).Filter(new() { HasTextRegex = new Regex("is yours now") });
        await snackbar.HoverAsync();
        await Expect(snackbar).ToHaveCSSAsync("opacity", "1");
        return await AxeScan.SeriousViolationsAsync(page, "approver /inbox with a snackbar");
    }

    /// <summary>
    /// Loads <paramref name="path"/>; on the portal's interactive pages, waits for the circuit and the page's data. The
    /// account pages and the pages that explain an error status (not found, access denied) are static.
    /// </summary>
    private static async Task OpenAsync(IPage page, string path)
    {
        var response = await page.GotoAsync(path);
        if (path.StartsWith("/Account/", StringComparison.Ordinal) || response is null || response.Status >= 400)
        {
            return;
        }

        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(page.GetByRole(AriaRole.Progressbar)).ToHaveCountAsync(0);
    }

    /// <summary>
    /// The user list shows some actions only for some users (Reset 2FA, Unlock): one NVH user the scans never sign in
    /// as has two-factor sign-in on and is locked out, so that every admin's scan meets those controls whatever ran before.
    /// </summary>
    private async Task GiveAUserEveryStateAsync() =>
        await browser.App.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(DemoUsers.ApproverNvh.UserName) ?? throw new InvalidOperationException("no approver.nvh");
            Assert.True((await users.SetTwoFactorEnabledAsync(user, true)).Succeeded);
            Assert.True((await users.SetLockoutEndDateAsync(user, DateTimeOffset.UtcNow.AddHours(1))).Succeeded);
            return true;
        });

    private async Task<Guid> FacilityIdAsync(string code) =>
        await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().Facilities
            .Where(f => f.Code == code).Select(f => f.Id).SingleAsync(Ct));

    private async Task<string> FileRequestToStBrigidsAsync()
    {
        var filed = await browser.App.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(await FacilityIdAsync("SBR")) with
        {
            FamilyName = FiledPatient.Family, GivenName = FiledPatient.Given, BirthDate = new DateOnly(1958, 3, 12), Sex = PatientSex.Male,
            LocalMrn = FiledPatient.LocalMrn, Modalities = ["CR"], ClinicalReason = "Fracture follow-up",
        });
        Assert.True(filed.IsSuccess, filed.Failure?.Message);
        return filed.Value!.Number!;
    }
}
