using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>The sign-in page, as a person sees it: labelled fields and a button.</summary>
public sealed class LoginPage(IPage page)
{
    public ILocator UserName => page.GetByLabel("User name");

    public ILocator Password => page.GetByLabel("Password");

    public ILocator SignInButton => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" });

    public ILocator Error => page.GetByRole(AriaRole.Alert);

    public async Task<IResponse?> OpenAsync() => await page.GotoAsync("/Account/Login");

    public async Task SignInAsync(string userName, string password)
    {
        await UserName.FillAsync(userName);
        await Password.FillAsync(password);
        await SignInButton.ClickAsync();
    }
}

/// <summary>The portal's shell once signed in: app bar, navigation, user menu.</summary>
public sealed class Shell(IPage page)
{
    public ILocator Heading => page.GetByRole(AriaRole.Heading, new() { Level = 1 });

    public ILocator Navigation => page.GetByRole(AriaRole.Navigation, new() { Name = "Main navigation" });

    /// <summary>
    /// Waits until the page's circuit is live (clicks before that are not handled) and a list's prerendered first page
    /// has given way to its live grid (the two swap once the live grid has read: a control found just before is gone).
    /// </summary>
    public async Task WaitUntilInteractiveAsync()
    {
        await page.GetByTestId("circuit-ready").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await page.Locator("[data-grid-snapshot]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    public async Task SignOutAsync()
    {
        await WaitUntilInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "User menu" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Sign out" }).ClickAsync();
    }
}

/// <summary>A demo user's session in its own browser context.</summary>
public static class SignedIn
{
    /// <summary>A new page in <paramref name="context"/>, signed in as <paramref name="user"/>, on the home page.</summary>
    public static async Task<IPage> AsAsync(IBrowserContext context, (string UserName, string Password) user)
    {
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(user.UserName, user.Password);
        await Expect(new Shell(page).Heading).ToContainTextAsync("Welcome");
        return page;
    }
}

/// <summary>Search partner archives: one query to the partners that grant direct query &amp; retrieve, then retrieve.</summary>
public sealed class PartnerSearchPage(IPage page)
{
    public ILocator PatientId => page.GetByLabel("Patient ID (MRN) at the partner");

    public ILocator LocalMrn => page.GetByLabel("MRN at your facility");

    public ILocator ClinicalReason => page.GetByLabel("Clinical reason");

    /// <summary>Searches by the partner's patient ID and waits for the answer.</summary>
    public async Task FindAsync(string patientId)
    {
        await PatientId.FillAsync(patientId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.GetByText(new System.Text.RegularExpressions.Regex(@"^Studies found in \d+ partner archive"))).ToBeVisibleAsync();
    }

    /// <summary>Selects the study whose checkbox's name matches <paramref name="study"/> and retrieves it under <paramref name="localMrn"/>.</summary>
    public async Task RetrieveAsync(System.Text.RegularExpressions.Regex study, string localMrn, string reason)
    {
        await page.GetByRole(AriaRole.Checkbox, new() { NameRegex = study }).CheckAsync();
        await LocalMrn.FillAsync(localMrn);
        await ClinicalReason.FillAsync(reason);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retrieve into your PACS" }).ClickAsync();
    }
}
