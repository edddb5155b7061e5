using System.Text.RegularExpressions;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The clerk's open request page follows a direct retrieve to its end by itself, every time. From the demo PACS a
/// retrieve ends within a fraction of a second, often while the request page is still opening: a change told before the
/// page subscribed, or while it was reading, left it on "Retrieving" (about one in three before the fix).
/// </summary>
public sealed class LiveRequestPageTests(DemoWorkersBrowserFixture browser) : IClassFixture<DemoWorkersBrowserFixture>
{
    private const int Retrieves = 50;

    [Fact]
    public async Task FiftyFastDirectRetrieves_EachOpenPageEndsShowingWhatTheDatabaseSays_AndTheTimelineInOrder()
    {
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await clerk.GotoAsync("/search");
        await new Shell(clerk).WaitUntilInteractiveAsync();
        var search = new PartnerSearchPage(clerk);
        var wrong = new List<string>();

        for (var i = 1; i <= Retrieves; i++)
        {
            await search.FindAsync("LIC-40877");
            await search.RetrieveAsync(new Regex("^Select LIC study of 2024-09-30"), $"NVH-LIVE-{i}", "Screening comparison.");
            await Expect(clerk).ToHaveURLAsync(new Regex(@"/requests/REQ-\d{4}-\d{6}$"));
            var number = clerk.Url[(clerk.Url.LastIndexOf('/') + 1)..];

            // The database first, with a generous deadline (a loaded machine); then the page, which has no excuse to lag.
            var ended = await EndedAsync(number);
            try
            {
                await Expect(clerk.GetByTestId("request-status")).ToHaveTextAsync(StatusChip.Label(ended), new() { Timeout = 5_000 });
            }
            catch (PlaywrightException)
            {
                wrong.Add($"{number}: the database says {ended}, the open page {await clerk.GetByTestId("request-status").TextContentAsync()}");
            }

            var timeline = await clerk.GetByText(new Regex(@"· (Submitted|Approved by agreement) by ")).AllInnerTextsAsync();
            if (timeline.Count != 2 || !timeline[0].Contains("Submitted", StringComparison.Ordinal))
            {
                wrong.Add($"{number}: timeline {string.Join(" / ", timeline)}");
            }

            await clerk.GetByRole(AriaRole.Link, new() { Name = "Search partner archives" }).ClickAsync();
        }

        Assert.True(wrong.Count == 0, $"{wrong.Count} of {Retrieves} retrieves:\n{string.Join('\n', wrong)}");
    }

    private async Task<RequestStatus> EndedAsync(string number)
    {
        var status = RequestStatus.Approved;
        await Poll.UntilAsync(
            async () =>
            {
                status = await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().ImageRequests
                    .Where(r => r.Number == number).Select(r => r.Status).SingleAsync(TestContext.Current.CancellationToken));
                return status is RequestStatus.Completed or RequestStatus.PartiallyCompleted or RequestStatus.Failed;
            },
            TimeSpan.FromSeconds(60), () => Task.FromResult($"{number} is still {status} in the database after 60 s."));
        return status;
    }
}
