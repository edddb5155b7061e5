using System.Text.RegularExpressions;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>Dates are typed as a clerk reads them off a referral (1958-03-12), not clicked through a calendar.</summary>
public sealed class TypedDatesTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABirthDate_TypedIntoTheNewRequestForm_IsTheOneFiled()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        var form = new NewRequestPage(clerk);
        await clerk.GotoAsync("/requests/new");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync("Ó Súilleabháin", "Pádraig", "NVH-TYPED-1");

        var birthDate = clerk.GetByLabel("Birth date");
        await Expect(birthDate).ToHaveAttributeAsync("placeholder", "YYYY-MM-DD");
        await birthDate.FillAsync("1958-03-12");
        await birthDate.PressAsync("Tab");
        await form.ClinicalReason.FillAsync("Compare with the prior CT.");
        await form.Submit.ClickAsync();

        await Expect(clerk).ToHaveURLAsync(new Regex(@"/requests/REQ-\d{4}-\d{6}$"));
        var filed = await browser.App.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            return await db.ImageRequests.Where(r => r.Patient.LocalMrn == "NVH-TYPED-1").Select(r => r.Patient.BirthDate).SingleAsync(Ct);
        });
        Assert.Equal(new DateOnly(1958, 3, 12), filed);
    }
}
