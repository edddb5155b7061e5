using System.Text;
using System.Text.RegularExpressions;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

public sealed class AdministrationTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private Task<Guid> FacilityIdAsync(string code) => browser.App.InScopeAsync(services =>
        services.GetRequiredService<ImagePortalDbContext>().Facilities.Where(f => f.Code == code).Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));

    [Fact]
    public async Task AddingANode_AndTestingTheConnection_ShowsTheRoundTripOfARealOrthanc_AndAClearFailureForAClosedPort()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: ct);
        var closedPort = FreePort.Next();
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.NetworkAdmin);
        await page.GotoAsync("/admin/facilities");
        await new Shell(page).WaitUntilInteractiveAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Ridgeway Community Hospital" }).ClickAsync();
        await Expect(new Shell(page).Heading).ToHaveTextAsync("Ridgeway Community Hospital");
        await new Shell(page).WaitUntilInteractiveAsync();
        var nodes = new NodeEditor(page);

        await nodes.AddAsync("Orthanc archive", orthanc.AeTitle, "127.0.0.1", orthanc.DicomPort);
        await Expect(page.GetByText($"Node {orthanc.AeTitle} was added.")).ToBeVisibleAsync();
        await nodes.TestConnection(orthanc.AeTitle).ClickAsync();
        await Expect(nodes.EchoOutcome).ToHaveTextAsync(new Regex($@"^{orthanc.AeTitle} answered C-ECHO: success, round trip \d+\.\d ms\.$"));

        await nodes.AddAsync("Switched off", "CLOSED_PORT", "127.0.0.1", closedPort);
        await Expect(page.GetByText("Node CLOSED_PORT was added.")).ToBeVisibleAsync();
        await nodes.TestConnection("CLOSED_PORT").ClickAsync();
        await Expect(nodes.EchoOutcome).ToHaveTextAsync(
            $"Test connection to CLOSED_PORT failed: PACS CLOSED_PORT at 127.0.0.1:{closedPort} cannot be reached: nothing accepts connections on that port; is the service running and listening there? (connection refused).");
    }

    [Fact]
    public async Task ABadAeTitle_IsRefusedWithAClearMessage_AndNothingIsAdded()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.AdminNvh);
        await page.GotoAsync($"/admin/facilities/{await FacilityIdAsync("NVH")}");
        await new Shell(page).WaitUntilInteractiveAsync();

        await new NodeEditor(page).AddAsync("Split", "NVH\\SPLIT", "127.0.0.1", 104);

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The AE title must not contain a backslash.");
        await Expect(page.GetByRole(AriaRole.Table, new() { Name = "DICOM nodes" }).GetByText("SPLIT")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AFacilityAdministrator_OpeningAnotherFacility_SeesNotFound()
    {
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.AdminNvh);

        await page.GotoAsync($"/admin/facilities/{await FacilityIdAsync("SBR")}");

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("No such facility.");
        await Expect(page.GetByText("St. Brigid's Regional Hospital")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AUserCreatedWithAOneTimePassword_MustChooseTheirOwnAtTheFirstSignIn()
    {
        await using var adminContext = await browser.NewContextAsync();
        var admin = await SignedIn.AsAsync(adminContext, DemoUsers.AdminNvh);
        await admin.GotoAsync("/admin/users");
        await new Shell(admin).WaitUntilInteractiveAsync();
        await admin.GetByRole(AriaRole.Button, new() { Name = "New user" }).ClickAsync();
        await admin.GetByLabel("User name", new() { Exact = true }).FillAsync("ronan.nvh");
        await admin.GetByLabel("Display name").FillAsync("Rónán Ó Murchú");
        await admin.GetByLabel("Roles").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "Clerk" }).ClickAsync();
        await admin.Keyboard.PressAsync("Escape");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        var oneTimePassword = await admin.GetByTestId("one-time-password").TextContentAsync() ?? "";
        Assert.Equal(16, oneTimePassword.Length);

        await using var userContext = await browser.NewContextAsync();
        var user = await userContext.NewPageAsync();
        await new LoginPage(user).OpenAsync();
        await new LoginPage(user).SignInAsync("ronan.nvh", oneTimePassword);
        await Expect(user).ToHaveURLAsync(new Regex("/Account/Manage/ChangePassword$"));
        await Expect(user.GetByText("You signed in with a one-time password.")).ToBeVisibleAsync();
        await user.GotoAsync("/requests");
        await Expect(user).ToHaveURLAsync(new Regex("/Account/Manage/ChangePassword$"));

        await user.GetByLabel("Old password").FillAsync(oneTimePassword);
        await user.GetByLabel("New password").FillAsync("my own long passphrase");
        await user.GetByLabel("Confirm password").FillAsync("my own long passphrase");
        await user.GetByRole(AriaRole.Button, new() { Name = "Update password" }).ClickAsync();
        await Expect(user.GetByText("Your password has been changed")).ToBeVisibleAsync();
        await user.GotoAsync("/");
        await Expect(new Shell(user).Heading).ToContainTextAsync("Welcome");
    }

    [Fact]
    public async Task TheInvitationLink_SetsThePassword_Once()
    {
        var link = await browser.App.InScopeAsync(async services =>
        {
            var users = services.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = "invited.nvh", DisplayName = "Invited Person", FacilityId = await FacilityIdAsync("NVH") };
            Assert.True((await users.CreateAsync(user)).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, Roles.Clerk)).Succeeded);
            var token = await users.GeneratePasswordResetTokenAsync(user);
            return $"/Account/ChoosePassword?userId={user.Id}&code={WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token))}";
        });
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(link);
        await page.GetByLabel("New password").FillAsync("an invited person's phrase");
        await page.GetByLabel("Confirm password").FillAsync("an invited person's phrase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your password is set.");

        await page.GotoAsync(link);
        await page.GetByLabel("New password").FillAsync("someone replaying the link");
        await page.GetByLabel("Confirm password").FillAsync("someone replaying the link");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This link is not valid any more. Ask your administrator for a new invitation.");

        await new LoginPage(page).OpenAsync();
        await new LoginPage(page).SignInAsync("invited.nvh", "an invited person's phrase");
        await Expect(new Shell(page).Heading).ToContainTextAsync("Welcome");
    }
}

/// <summary>The DICOM nodes section of a facility's administration page.</summary>
public sealed class NodeEditor(IPage page)
{
    public ILocator EchoOutcome => page.GetByTestId("echo-outcome");

    public ILocator TestConnection(string aeTitle) => page.GetByRole(AriaRole.Button, new() { Name = $"Test connection to {aeTitle}" });

    public async Task AddAsync(string name, string aeTitle, string host, int port)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Add node" }).ClickAsync();
        await page.GetByLabel("Node name").FillAsync(name);
        await page.GetByLabel("AE title", new() { Exact = true }).FillAsync(aeTitle);
        await page.GetByLabel("Host", new() { Exact = true }).FillAsync(host);
        await page.GetByLabel("Port", new() { Exact = true }).FillAsync(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByRole(AriaRole.Button, new() { Name = "Save node" }).ClickAsync();
    }
}
