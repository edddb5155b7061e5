using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// A tour of the main pages of the demo, as the README shows them, desktop and phone. Each page must render with the "Demo" badge;
/// with <c>IMAGEPORTAL_SCREENSHOTS=1</c> the tour also writes the README's screenshots to <c>docs/screenshots/</c>
/// (off by default, so CI never rewrites them).
/// </summary>
public sealed class DemoTourTests(DemoBrowserFixture browser) : IClassFixture<DemoBrowserFixture>
{
    private static readonly string? ScreenshotFolder = Environment.GetEnvironmentVariable("IMAGEPORTAL_SCREENSHOTS") == "1"
        ? Path.Combine(RepositoryRoot(), "docs", "screenshots")
        : null;

    [Fact]
    public async Task TheDemoIsMarked_AndEveryMainPageRenders_ForTheRoleThatUsesIt()
    {
        await using var clerkContext = await browser.NewContextAsync();
        var clerk = await clerkContext.NewPageAsync();
        await clerk.SetViewportSizeAsync(1280, 800);
        var login = new LoginPage(clerk);
        await login.OpenAsync();
        await ShootAsync(clerk, "sign-in");
        await login.SignInAsync(DemoUsers.ClerkNvh.UserName, DemoUsers.ClerkNvh.Password);
        await Expect(new Shell(clerk).Heading).ToContainTextAsync("Welcome");
        await Expect(clerk.GetByTestId("demo-badge")).ToHaveTextAsync("Demo");
        await Expect(clerk.GetByRole(AriaRole.Heading, new() { Name = "Your facility's requests" })).ToBeVisibleAsync();

        await clerk.GotoAsync("/facilities");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await Expect(clerk.GetByText("Lakeshore Imaging Centre")).ToBeVisibleAsync();
        await ShootAsync(clerk, "partner-directory");

        await clerk.GotoAsync("/requests/new");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        var form = new NewRequestPage(clerk);
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync("Ó Súilleabháin", "Pádraig", "NVH-004512");
        await form.ClinicalReason.FillAsync("Lung nodule follow-up: compare with the head CT of 2021.");
        await ShootAsync(clerk, "new-request");
        await form.Submit.ClickAsync();
        await Expect(clerk).ToHaveURLAsync(new Regex(@"/requests/REQ-\d{4}-\d{6}$"));
        var number = clerk.Url[(clerk.Url.LastIndexOf('/') + 1)..];
        await clerk.GotoAsync("/");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await Expect(clerk.GetByRole(AriaRole.List, new() { Name = "Latest updates" })).ToContainTextAsync(number);
        await ShootAsync(clerk, "home-clerk");

        await using var approverContext = await browser.NewContextAsync();
        var approver = await approverContext.NewPageAsync();
        await approver.SetViewportSizeAsync(1280, 800);
        await new LoginPage(approver).OpenAsync();
        await new LoginPage(approver).SignInAsync(DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password);
        await Expect(new Shell(approver).Heading).ToContainTextAsync("Welcome");
        await Expect(approver.GetByRole(AriaRole.Heading, new() { Name = "Requests to decide" })).ToBeVisibleAsync();
        await ShootAsync(approver, "home-approver");
        await approver.GotoAsync("/inbox");
        await new Shell(approver).WaitUntilInteractiveAsync();
        await Expect(approver.GetByText(number)).ToBeVisibleAsync();
        await ShootAsync(approver, "inbox");
        await approver.GotoAsync($"/requests/{number}");
        await new Shell(approver).WaitUntilInteractiveAsync();
        await Expect(approver.GetByText("Ó Súilleabháin").First).ToBeVisibleAsync();
        await approver.GetByRole(AriaRole.Button, new() { Name = "Claim", Exact = true }).ClickAsync();
        await approver.GetByRole(AriaRole.Button, new() { Name = "Search PACS" }).ClickAsync();
        // SBR's demo PACS holds Pádraig's head CT of 2021-07-30.
        await Expect(approver.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("2021-07-30") })).ToBeVisibleAsync();
        await ShootAsync(approver, "request", fullPage: true);

        // The same work on a phone.
        await approver.SetViewportSizeAsync(390, 844);
        await approver.GotoAsync("/inbox");
        await new Shell(approver).WaitUntilInteractiveAsync();
        await Expect(approver.GetByText(number)).ToBeVisibleAsync();
        await ShootAsync(approver, "phone-inbox");
        await approver.GotoAsync($"/requests/{number}");
        await new Shell(approver).WaitUntilInteractiveAsync();
        await Expect(approver.GetByTestId("request-status")).ToHaveTextAsync("Claimed");
        await ShootAsync(approver, "phone-request");

        await using var auditorContext = await browser.NewContextAsync();
        var auditor = await auditorContext.NewPageAsync();
        await auditor.SetViewportSizeAsync(1280, 800);
        await new LoginPage(auditor).OpenAsync();
        await new LoginPage(auditor).SignInAsync("auditor", "demo-password-auditor");
        await Expect(new Shell(auditor).Heading).ToContainTextAsync("Welcome");
        await Expect(auditor.GetByRole(AriaRole.Heading, new() { Name = "This month" })).ToBeVisibleAsync();
        await ShootAsync(auditor, "home-auditor");
        await auditor.GotoAsync("/audit");
        await new Shell(auditor).WaitUntilInteractiveAsync();
        await Expect(auditor.GetByRole(AriaRole.Row).Filter(new() { HasText = number }).First).ToBeVisibleAsync();
        await ShootAsync(auditor, "audit");
        await auditor.GotoAsync("/reports");
        await new Shell(auditor).WaitUntilInteractiveAsync();
        await Expect(auditor.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        await ShootAsync(auditor, "reports");

        await using var adminContext = await browser.NewContextAsync();
        var admin = await adminContext.NewPageAsync();
        await admin.SetViewportSizeAsync(1280, 800);
        await new LoginPage(admin).OpenAsync();
        await new LoginPage(admin).SignInAsync(DemoUsers.NetworkAdmin.UserName, DemoUsers.NetworkAdmin.Password);
        await Expect(new Shell(admin).Heading).ToContainTextAsync("Welcome");
        await admin.GotoAsync("/admin/facilities");
        await new Shell(admin).WaitUntilInteractiveAsync();
        await Expect(admin.GetByText("Westbay X-Ray Clinic")).ToBeVisibleAsync();
        await ShootAsync(admin, "admin-facilities");
    }

    private static async Task ShootAsync(IPage page, string name, bool fullPage = false)
    {
        if (ScreenshotFolder is null)
        {
            return;
        }

        Directory.CreateDirectory(ScreenshotFolder);
        // Lists read once the circuit runs: the picture waits until no page says it is loading.
        await Expect(page.GetByRole(AriaRole.Progressbar)).ToHaveCountAsync(0);
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = fullPage, Animations = ScreenshotAnimations.Disabled,
        });
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ImagePortal.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("ImagePortal.sln not found above the test assembly.");
    }
}
