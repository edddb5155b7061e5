using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The whole stack: its frames come in one streamed call (WADO-RS Series Pixel Data) that the prefetch decodes from, not
/// one call a slice; when that call fails, every frame is still fetched alone and the stack is whole.
/// </summary>
public sealed partial class ViewerTests
{
    [Fact]
    public async Task TheWholeStack_ComesInOneStreamedCall_NotOneCallASlice()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await StackCachedAsync(page);
        var asked = calls.ToList();
        Assert.Single(asked, a => Regex.IsMatch(a, "/series/[0-9.]+/pixeldata$"));
        // At most the first image's own frame, asked for while the stream had not brought it yet.
        var frames = asked.Where(a => a.Contains("/frames/", StringComparison.Ordinal)).ToList();
        Assert.True(frames.Count <= 1, $"{frames.Count} frame calls: {string.Join(", ", frames)}");
        // Every slice shows from the cache the stream filled.
        await page.GetByTestId("viewer-viewport").ClickAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync($"Image 1 / {ViewerFixture.Slices}");
        var first = await ImageAsync(page);
        await page.Keyboard.PressAsync("End");
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync($"Image {ViewerFixture.Slices} / {ViewerFixture.Slices}");
        await ImageAsync(page, first);
        Assert.Equal(asked.Count, calls.Count);
    }

    /// <summary>
    /// The series' frames are asked for once the first image's own frame has come, not once Cornerstone has drawn it: here
    /// the viewer's module (Cornerstone) is held until they are asked for (30 s at most, else it goes on and the test
    /// fails). That frame is asked for first, and alone.
    /// </summary>
    [Fact]
    public async Task TheSeriesFrames_AreAskedFor_OnceTheFirstImagesFrameHasCome()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        // The calls made when the page (its frames' worker) asked for the series' frames.
        // Whether the viewer's module had been let through yet is read when the frames are asked for, in the same step (read
        // afterwards, it raced the module's own release, which the same ask sets off).
        // Whether the first frame had come whole is read in the page (firstImage.js marks it): the browser's "request
        // finished" event for it and the worker's ask for the series reach the test on two channels, in either order.
        var whenAsked = new TaskCompletionSource<(List<string> Asked, bool FrameCame, bool CornerstoneHeld)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cornerstoneLetThrough = 0;
        await page.RouteAsync("**/pixeldata", async route =>
        {
            var (asked, held) = (calls.ToList(), Volatile.Read(ref cornerstoneLetThrough) == 0);
            var came = await page.EvaluateAsync<bool>("() => performance.getEntriesByName('imageportal:first-frame').length > 0");
            whenAsked.TrySetResult((asked, came, held));
            await route.ContinueAsync();
        });
        await page.RouteAsync("**/viewer/viewer.js", async route =>
        {
            try
            {
                await whenAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Not asked for without Cornerstone: the assertion below says so.
            }

            Volatile.Write(ref cornerstoneLetThrough, 1);
            await route.ContinueAsync();
        });
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        var (asked, came, held) = await whenAsked.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.True(held, "The series' frames were asked for only once Cornerstone had loaded.");
        var frame = Assert.Single(asked, a => a.Contains("/frames/", StringComparison.Ordinal));
        var instance = Assert.Single(asked, a => Regex.IsMatch(a, "/instances/[0-9.]+/metadata$"));
        Assert.StartsWith(instance[..^"metadata".Length], frame, StringComparison.Ordinal);
        Assert.True(came, "The series' frames were asked for before the first image's frame had come.");
        await StackCachedAsync(page);
    }

    [Fact]
    public async Task NativeFrames_AreDecodedOnThePage_NotSentToTheDecodingWorker()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // Each answer of the loader's decoding worker (one a frame it decoded) is counted in the worker itself.
        var hooks = new List<Task>();
        page.Worker += (_, worker) =>
        {
            if (worker.Url.Contains("decodeImageFrameWorker", StringComparison.Ordinal))
            {
                lock (hooks)
                {
                    hooks.Add(worker.EvaluateAsync<bool>("() => { self.answers = 0; const post = self.postMessage.bind(self); self.postMessage = (...a) => { self.answers++; return post(...a); }; return true; }"));
                }
            }
        };
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await StackCachedAsync(page);
        // The loader starts its decoding worker with Cornerstone, not for a frame: a stack quick to cache can be whole
        // before the worker has started (a CI run), and the worker must be there to be asked what it was sent.
        await Poll.UntilAsync(() =>
        {
            lock (hooks)
            {
                return Task.FromResult(hooks.Count > 0);
            }
        }, TimeSpan.FromSeconds(30), () => Task.FromResult("The loader's decoding worker never started."));
        Task[] started;
        lock (hooks)
        {
            started = [.. hooks];
        }

        await Task.WhenAll(started);
        var decoders = page.Workers.Where(w => w.Url.Contains("decodeImageFrameWorker", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(decoders);
        // The CT's frames are native 16-bit grey: every one decoded on the page, none sent to the worker and back.
        foreach (var decoder in decoders)
        {
            Assert.Equal(0, await decoder.EvaluateAsync<int>("() => self.answers"));
        }
    }

    [Fact]
    public async Task TheSeriesFrames_ComeToThePage_SeveralAMessage_NotOneAFrame()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // Every message the frames' worker sends the page, counted on the page.
        await page.AddInitScriptAsync("""
            window.framesMessages = 0;
            const Base = window.Worker;
            window.Worker = class extends Base {
              constructor(url, options) {
                super(url, options);
                if (String(url).includes('seriesFramesWorker')) this.addEventListener('message', () => window.framesMessages++);
              }
            };
            """);
        // The series' answer arrives whole at once (a portal that had the series cached), so every frame is there to hand over.
        await page.RouteAsync("**/pixeldata", async route => await route.FulfillAsync(new() { Response = await route.FetchAsync() }));
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await StackCachedAsync(page);
        // One a frame and the end's was Slices + 1; now a batch holds up to 16 frames (or what came within 10 ms).
        var messages = await page.EvaluateAsync<int>("() => window.framesMessages");
        Assert.InRange(messages, 2, 1 + (ViewerFixture.Slices / 2));
        // Chromium's fetch bodies are byte streams: each frame was read straight into its own buffer.
        Assert.True(await page.EvaluateAsync<bool?>($"() => document.querySelector('{Viewer}').imagePortalViewer.state().stream?.byob"));
    }

    [Fact]
    public async Task WhenTheStreamedCallFails_EveryFrameIsFetchedAlone_AndTheStackIsWhole()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        await page.RouteAsync("**/pixeldata", route => route.AbortAsync());
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await StackCachedAsync(page);
        var frames = calls.Count(a => a.Contains("/frames/", StringComparison.Ordinal));
        Assert.Equal(ViewerFixture.Slices, frames);
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();
    }

    /// <summary>Waits until the viewer's stack is whole and every slice of it decoded in its cache.</summary>
    private static Task StackCachedAsync(IPage page) => Poll.UntilAsync(
        () => page.EvaluateAsync<bool>($"() => {{ const s = document.querySelector('{Viewer}').imagePortalViewer?.state(); return s?.count === {ViewerFixture.Slices} && s.cached === s.count; }}"),
        TimeSpan.FromSeconds(30),
        async () => $"The stack was not cached: {await page.EvaluateAsync<string>($"() => JSON.stringify(document.querySelector('{Viewer}').imagePortalViewer?.state() ?? null)")}");
}
