using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The whole job in the browser on the demo data: a clerk asks St. Brigid's for a prior chest film, an approver
/// finds it in St. Brigid's demo PACS and approves, and the clerk's open page goes to "Completed" by itself once the
/// worker has imported the study into Northvale's demo PACS.
/// </summary>
public sealed class DemoJourneyBrowserTests(DemoWorkersBrowserFixture browser) : IClassFixture<DemoWorkersBrowserFixture>
{
    [Fact]
    public async Task ClerkAsks_ApproverApprovesFromTheDemoPacs_AndTheClerkSeesItImported_WithoutReload()
    {
        await using var clerkContext = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(clerkContext, DemoUsers.ClerkNvh);
        var number = await new NewRequestPage(clerk).FileToStBrigidsAsync(
            "Müller", "Jürgen", "NVH-0777", "SBR-77120", "Cough: compare with the prior chest film.");

        await using var approverContext = await browser.NewContextAsync();
        var approver = await SignedIn.AsAsync(approverContext, DemoUsers.ApproverSbr);
        await NewRequestPage.ClaimAndSearchPacsAsync(approver, number);
        // SBR's demo PACS holds a CT chest of 2024-01-18 and a CR chest of 2025-09-09 for this patient.
        await approver.GetByRole(AriaRole.Checkbox, new() { NameRegex = new Regex("2025-09-09") }).CheckAsync();
        await approver.GetByRole(AriaRole.Button, new() { Name = "Approve 1 selected study" }).ClickAsync();
        await approver.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Approve", Exact = true }).ClickAsync();

        // The worker pulls it from SBR's demo PACS into NVH's; the clerk's page follows by itself.
        try
        {
            await Expect(clerk.GetByTestId("request-status")).ToHaveTextAsync("Completed", new() { Timeout = 90_000 });
        }
        catch (PlaywrightException)
        {
            var state = await browser.App.InScopeAsync(async services =>
            {
                var db = services.GetRequiredService<ImagePortal.Infrastructure.Data.ImagePortalDbContext>();
                var jobs = await db.RetrievalJobs.AsNoTracking().ToListAsync();
                return string.Join("; ", jobs.Select(j => $"{j.State} attempts={j.Attempts} done={j.DoneInstances} error={j.LastError}"));
            });
            throw new InvalidOperationException($"{number} did not show Completed. Jobs: {state}");
        }
    }
}
