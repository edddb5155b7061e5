using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The viewer's first image: shown from its own instance's metadata before the whole series' metadata has come (that call
/// waits for every instance to be in the portal's cache), and asked for by the prerendered page's early.js while the
/// viewer's own script is still loading, each call once.
/// </summary>
public sealed partial class ViewerTests
{
    private static readonly string Middle = $"Image {(ViewerFixture.Slices / 2) + 1} / {ViewerFixture.Slices}";

    [Fact]
    public async Task TheMiddleImage_Shows_BeforeTheWholeSeriesMetadata_AndStaysWhenTheStackArrives()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // The whole series' metadata is held back (not the one instance's: '*' stops at a '/').
        var held = await HeldRoute.HoldAsync(page, "**/series/*/metadata", Timeout.InfiniteTimeSpan);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        var first = await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        Assert.Equal(1, held.Count);
        // The viewer is not ready yet: its stack waits for the held call.
        Assert.Null(await page.EvaluateAsync<string?>("() => document.querySelector('[data-testid=image-viewer]').dataset.ready ?? null"));

        held.Release();
        await Poll.UntilAsync(
            () => page.EvaluateAsync<bool>($"() => document.querySelector('[data-testid=image-viewer]').imagePortalViewer?.state().count === {ViewerFixture.Slices}"),
            TimeSpan.FromSeconds(20));
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        Assert.Equal(first.Hash, (await CanvasAsync(page)).Hash);

        // Now the whole stack: the next slice shows.
        await page.GetByTestId("viewer-viewport").HoverAsync();
        await page.Mouse.WheelAsync(0, 120);
        await ImageAsync(page, first);
    }

    [Fact]
    public async Task ThePrerenderedPage_AsksForTheFirstImage_WhileTheViewersScriptLoads_AndNothingIsAskedTwice()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        var seriesAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Request += (_, request) =>
        {
            if (request.Url.EndsWith("/metadata", StringComparison.Ordinal) && !request.Url.Contains("/instances/", StringComparison.Ordinal))
            {
                seriesAsked.TrySetResult();
            }
        };
        // The viewer's module is held until the whole series' metadata has been asked for: only early.js can have asked.
        await page.RouteAsync("**/viewer/viewer.js", async route =>
        {
            await seriesAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await route.ContinueAsync();
        });
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        var asked = calls.ToList();
        var study = $"/dicomweb/requests/{ViewerFixture.Approved}/studies/{fixture.CtStudy}/series";
        Assert.Equal(study, asked[0]);
        Assert.Matches("/series/[0-9.]+/instances$", asked[1]);
        Assert.Matches("/series/[0-9.]+/instances/[0-9.]+/metadata$", asked[2]);
        // That instance's frame (the first image's), then the whole series' metadata.
        Assert.Equal(asked[2][..^"metadata".Length] + "frames/1", asked[3]);
        Assert.Matches("/series/[0-9.]+/metadata$", asked[4]);
        // No call is made twice, that frame included: the viewer took early.js' answers (other frames come in the
        // series' stream; the prefetch asks for one alone only if the stream did not bring it).
        var twice = asked.Where(a => !a.Contains("/frames/", StringComparison.Ordinal) || a == asked[3]).GroupBy(a => a).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"Asked more than once: {string.Join(", ", twice)}");
    }

    [Fact]
    public async Task TheViewersDecoders_Start_WhileThePagesLiveConnectionIsStillBeingMade()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var decoders = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Worker += (_, worker) =>
        {
            if (worker.Url.Contains("decodeImageFrameWorker", StringComparison.Ordinal))
            {
                decoders.TrySetResult();
            }
        };
        // The live connection (the circuit, which opens the viewer) is held until Cornerstone has started its decoders.
        var startedFirst = false;
        await page.RouteAsync("**/_blazor/negotiate*", async route =>
        {
            try
            {
                await decoders.Task.WaitAsync(TimeSpan.FromSeconds(15));
                startedFirst = true;
            }
            catch (TimeoutException)
            {
                // Not started before the connection: the assertion below says so.
            }

            await route.ContinueAsync();
        });
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        Assert.True(startedFirst, "The viewer's decoders started only once the page's live connection was made.");
    }

    [Fact]
    public async Task TheSeriesListsThumbnails_AreEachSeriesFirstImage_WithoutFetchingTheOtherSeriesWhole()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Tools, fixture.MammographyStudy));

        var buttons = page.GetByTestId("viewer-series");
        await Expect(buttons).ToHaveCountAsync(2);
        await ImageAsync(page);
        await Expect(page.Locator("[data-testid=viewer-series][data-thumbnail=ready]")).ToHaveCountAsync(2);

        // One whole series' metadata (the pane's); the other series only as its instances and one instance's metadata.
        var asked = calls.ToList();
        Assert.Single(asked, a => Regex.IsMatch(a, "/series/[0-9.]+/metadata$"));
        Assert.Equal(2, asked.Count(a => a.EndsWith("/instances", StringComparison.Ordinal)));
        Assert.Equal(2, asked.Count(a => Regex.IsMatch(a, "/instances/[0-9.]+/metadata$")));
    }

    /// <summary>The paths of the page's calls to the DICOMweb service, in the order the page made them.</summary>
    private static ConcurrentQueue<string> DicomWebCalls(IPage page)
    {
        var calls = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/dicomweb/", StringComparison.Ordinal))
            {
                calls.Enqueue(new Uri(request.Url).AbsolutePath);
            }
        };
        return calls;
    }
}
