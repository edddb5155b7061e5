using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>A request names one patient: the clerk is told, on the form, when the name alone would not.</summary>
public sealed class NewRequestIdentityTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ANameWithoutBirthDateOrPartnerMrn_IsRefusedOnTheForm_AndThePartnersMrnIsEnough()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        var form = new NewRequestPage(clerk);
        await clerk.GotoAsync("/requests/new");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync("Keane", "Tomás", "NVH-IDENT-1", birthDate: null);
        await form.ClinicalReason.FillAsync("Fracture follow-up.");

        await form.Submit.ClickAsync();

        await Expect(clerk.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Give the patient's birth date, or their MRN at the partner facility" }))
            .ToBeVisibleAsync();
        await Expect(clerk).ToHaveURLAsync(new Regex("/requests/new$"));

        await clerk.GetByLabel("MRN at the partner facility (if known)").FillAsync("SBR-4410");
        await form.Submit.ClickAsync();

        await Expect(clerk).ToHaveURLAsync(new Regex(@"/requests/REQ-\d{4}-\d{6}$"));
    }
}
