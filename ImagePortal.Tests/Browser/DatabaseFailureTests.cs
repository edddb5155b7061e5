using System.Text.RegularExpressions;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>A portal whose database gives up on a lock after two seconds (the shipped default waits thirty).</summary>
public sealed class LockableDatabaseBrowser() : BrowserFixtureBase(new Dictionary<string, string?>
{
    ["ConnectionStrings:ImagePortal"] = "Data Source=portal.db;Default Timeout=2",
});

/// <summary>
/// The database is really locked (another process holds a write transaction on the file) when a clerk submits a
/// request: the page says, in plain words, that it did not happen and what to do; nothing is half-saved; the page
/// goes on working, and the same request files once the database is free.
/// </summary>
public sealed class DatabaseFailureTests(LockableDatabaseBrowser browser) : IClassFixture<LockableDatabaseBrowser>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SubmittingWhileTheDatabaseIsLocked_SaysItDidNotHappen_SavesNothing_AndThePageGoesOn()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        var form = new NewRequestPage(clerk);
        await clerk.GotoAsync("/requests/new");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync("Ní Bhriain", "Síle", "NVH-LOCK-1");
        await form.ClinicalReason.FillAsync("Comparison with the prior CT.");

        var connectionString = await browser.App.InScopeAsync(provider =>
        {
            using var db = provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContext();
            return Task.FromResult(db.Database.GetConnectionString()!);
        });
        await using (await DatabaseLock.HoldAsync(connectionString))
        {
            await form.Submit.ClickAsync();

            var error = clerk.GetByTestId("page-error");
            await Expect(error).ToBeVisibleAsync();
            await Expect(error).ToContainTextAsync("That did not work, and nothing was changed.");
            await Expect(error).ToContainTextAsync("Try again in a moment");
            await Expect(error).Not.ToContainTextAsync("Exception");
            await Expect(clerk).ToHaveURLAsync(new Regex("/requests/new$"));
        }

        Assert.Equal(0, await CountAsync("NVH-LOCK-1"));

        // The circuit lives: the menu and the page answer, and the same request files once the lock is gone.
        await clerk.GetByRole(AriaRole.Button, new() { Name = "Try again" }).ClickAsync();
        await Expect(clerk.GetByTestId("page-error")).ToBeHiddenAsync();
        await form.ChoosePartnerAsync("St. Brigid's Regional Hospital (SBR)");
        await form.FillPatientAsync("Ní Bhriain", "Síle", "NVH-LOCK-1");
        await form.ClinicalReason.FillAsync("Comparison with the prior CT.");
        await form.Submit.ClickAsync();
        await Expect(clerk).ToHaveURLAsync(new Regex(@"/requests/REQ-\d{4}-\d{6}$"));
        Assert.Equal(1, await CountAsync("NVH-LOCK-1"));
    }

    private Task<int> CountAsync(string localMrn) => browser.App.InScopeAsync(async provider =>
    {
        await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
        return await db.ImageRequests.CountAsync(r => r.Patient.LocalMrn == localMrn, Ct);
    });
}
