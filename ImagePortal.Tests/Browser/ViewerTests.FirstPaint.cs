using System.Text.Json;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The first image drawn by the page's early script (firstImage.js) from its frame, on a plain canvas, before the viewer's
/// module (Cornerstone) has loaded; Cornerstone then takes it over in place: the same image, window, size and place.
/// </summary>
public sealed partial class ViewerTests
{
    /// <summary>The early canvas' pixels (as CanvasScript) and where it drew the image, or null while there is none.</summary>
    private const string EarlyScript = """
        () => {
          const canvas = document.querySelector('[data-testid=viewer-early-image]');
          if (!canvas || !canvas.width || !canvas.dataset.drawnAt) return null;
          const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0, squares = 0, n = 0;
          for (let i = 0; i < data.length; i += 4) { const v = data[i]; sum += v; squares += v * v; n++; }
          const mean = sum / n;
          return { variance: squares / n - mean * mean };
        }
        """;

    /// <summary>
    /// Watches for the early canvas leaving the page and, at that moment (before the browser paints again), compares it
    /// with Cornerstone's canvas: their sizes, Cornerstone's variance, and the mean difference of their greys.
    /// </summary>
    private const string TakeoverWatch = """
        (() => {
          const greys = canvas => {
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            const out = new Float64Array(data.length / 4);
            for (let i = 0; i < out.length; i++) out[i] = (data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3;
            return out;
          };
          new MutationObserver(records => {
            for (const record of records) for (const node of record.removedNodes) {
              if (node.dataset?.testid !== 'viewer-early-image' || node.isConnected || window.__takeover) continue;
              const shown = document.querySelector('[data-testid=viewer-viewport] canvas');
              const early = greys(node), now = greys(shown);
              let sum = 0, squares = 0, diff = 0, large = 0;
              for (let i = 0; i < now.length; i++) { sum += now[i]; squares += now[i] * now[i]; }
              const same = early.length === now.length && node.width === shown.width;
              if (same) for (let i = 0; i < now.length; i++) { const d = Math.abs(now[i] - early[i]); diff += d; if (d > 24) large++; }
              // The shift of the early image against Cornerstone's (up to 4 canvas pixels each way) at which they differ least.
              let best = null;
              const w = shown.width, h = shown.height;
              for (let dy = -4; same && dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) {
                let d = 0;
                for (let y = 4; y < h - 4; y += 2) for (let x = 4; x < w - 4; x += 2) d += Math.abs(now[y * w + x] - early[(y + dy) * w + x + dx]);
                if (!best || d < best.d) best = { d, dx, dy };
              }
              window.__takeover = { early: `${node.width}x${node.height}`, shown: `${shown.width}x${shown.height}`,
                variance: squares / now.length - (sum / now.length) ** 2, meanDiff: same ? diff / now.length : -1,
                largeShare: same ? large / now.length : -1, shift: best ? `${best.dx},${best.dy}` : '-', size: node.dataset.size, rect: node.dataset.rect,
                blankFrames: 0, framesWatched: 0 };
              // What the stage shows in the next 60 frames (read as each frame starts: what was painted): never black. Its
              // canvases are opaque and each covers it whole: Cornerstone's, and any over it.
              const stage = document.querySelector('[data-testid=viewer-viewport]').parentElement;
              const watch = () => {
                let lit = false;
                for (const canvas of stage.querySelectorAll('canvas')) {
                  const data = canvas.width ? canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data : [];
                  for (let i = 0; i < data.length && !lit; i += 4 * 97) lit = data[i] > 0;
                }
                if (!lit) window.__takeover.blankFrames++;
                if (++window.__takeover.framesWatched < 60) requestAnimationFrame(watch);
              };
              requestAnimationFrame(watch);
            }
          }).observe(document, { childList: true, subtree: true });
        })();
        """;

    [Fact]
    public async Task TheFirstImage_IsDrawnFromItsFrame_BeforeCornerstoneLoads_AndCornerstoneTakesItOverInPlace()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var calls = DicomWebCalls(page);
        // The viewer's module (Cornerstone, its loader and decoders) is held: whatever is drawn now, it did not draw.
        var cornerstone = await HeldRoute.HoldAsync(page, "**/viewer/viewer.js", Timeout.InfiniteTimeSpan);
        await page.AddInitScriptAsync(TakeoverWatch);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await EarlyImageDrawnAsync(page);
        await Expect(page.GetByTestId("viewer-viewport")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("viewer-root")).ToHaveCountAsync(0);
        // Drawn from the middle image's own frame, the one call for it (the viewer's loader will take that answer).
        var frame = Assert.Single(calls, a => a.Contains("/frames/", StringComparison.Ordinal));
        Assert.Equal(frame, await page.GetByTestId("viewer-early-image").EvaluateAsync<string>("c => new URL(c.dataset.frame).pathname"));

        cornerstone.Release();
        await TakenOverInPlaceAsync(page);
        await Expect(page.GetByTestId("viewer-early-image")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        Assert.Single(calls, a => a == frame);

        // The viewer that took over works: the wheel shows the next slice, a preset changes the pixels.
        await Poll.UntilAsync(
            () => page.EvaluateAsync<bool>($"() => document.querySelector('{Viewer}').imagePortalViewer?.state().count === {ViewerFixture.Slices}"),
            TimeSpan.FromSeconds(30));
        var first = await ImageAsync(page);
        await page.GetByTestId("viewer-viewport").HoverAsync();
        await page.Mouse.WheelAsync(0, 120);
        await Expect(page.GetByTestId("viewer-slice")).Not.ToHaveTextAsync(Middle);
        var next = await ImageAsync(page, first);
        await page.GetByRole(AriaRole.Button, new() { Name = "Lung", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("viewer-overlay")).ToContainTextAsync("W 1500 L -600");
        await ImageAsync(page, next);
        await Expect(page.GetByTestId("viewer-early-image")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// A compressed grey first image is decoded by the loader's own decoding worker and drawn before Cornerstone has
    /// loaded; Cornerstone then takes it over in place, with the same pixels (both decoded by the same decoder).
    /// </summary>
    [Theory]
    [InlineData("MR_small_RLE.dcm")] // RLE, 16 bits signed
    [InlineData("MR_small_jp2klossless.dcm")] // JPEG 2000 lossless
    [InlineData("JPEG-lossy.dcm")] // JPEG extended, 12 bits
    [InlineData("MR_small_jpeg_ls_lossless.dcm")] // JPEG-LS lossless
    public async Task ACompressedGreyFirstImage_IsDecodedAndDrawn_BeforeCornerstoneLoads_AndTakenOverInPlace(string file)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        var cornerstone = await HeldRoute.HoldAsync(page, "**/viewer/viewer.js", Timeout.InfiniteTimeSpan);
        await page.AddInitScriptAsync(TakeoverWatch);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Syntaxes, fixture.SyntaxStudy(file)));

        await EarlyImageDrawnAsync(page);
        await Expect(page.GetByTestId("viewer-viewport")).ToHaveCountAsync(0);

        cornerstone.Release();
        await TakenOverInPlaceAsync(page);
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheViewersModule_IsAskedFor_OnlyOnceTheFirstImageIsDrawn()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // What the page showed when the viewer's module (Cornerstone) was asked for: its evaluation on the page's one
        // thread must not hold the first image's drawing.
        var drawnWhenAsked = new List<bool>();
        await page.RouteAsync("**/viewer/viewer.js", async route =>
        {
            var early = await page.EvaluateAsync<JsonElement?>(EarlyScript);
            lock (drawnWhenAsked)
            {
                drawnWhenAsked.Add(early is { ValueKind: JsonValueKind.Object } e && e.GetProperty("variance").GetDouble() > 1);
            }

            await route.ContinueAsync();
        });
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        lock (drawnWhenAsked)
        {
            Assert.NotEmpty(drawnWhenAsked);
            Assert.True(drawnWhenAsked.All(d => d), $"The viewer's module was asked for before the first image was drawn ({string.Join(", ", drawnWhenAsked)}).");
        }
    }

    [Fact]
    public async Task AFirstFrameSlowToCome_DoesNotKeepTheViewerFromLoading()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // The first image's frame (a PACS slow to give it) is held: the viewer loads anyway, after early.js' longest wait.
        var held = await HeldRoute.HoldAsync(page, "**/frames/*", TimeSpan.FromSeconds(60));
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        await Expect(page.GetByTestId("viewer-root")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        Assert.False(held.Released);
        Assert.True(held.Count > 0, "The first image's frame was never asked for.");
        await Expect(page.GetByTestId("viewer-early-image")).ToHaveCountAsync(0);

        held.Release();
        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
    }

    /// <summary>Waits until the early canvas shows a non-uniform image (it was drawn, and drawn from pixels).</summary>
    private static async Task EarlyImageDrawnAsync(IPage page)
    {
        JsonElement? early = null;
        await Poll.UntilAsync(async () =>
        {
            early = await page.EvaluateAsync<JsonElement?>(EarlyScript);
            return early is { ValueKind: JsonValueKind.Object } e && e.GetProperty("variance").GetDouble() > 1;
        }, TimeSpan.FromSeconds(20), () => Task.FromResult($"The early canvas never showed a non-uniform image; last {early}."));
    }

    /// <summary>
    /// Waits for Cornerstone to take the early image over (<see cref="TakeoverWatch"/>, then 60 frames watched): when the
    /// early image went, Cornerstone's canvas showed the same image: same size, same pixels within rounding (two drawings
    /// of one frame, bilinear each), and no blank frame between them.
    /// </summary>
    private static async Task TakenOverInPlaceAsync(IPage page)
    {
        JsonElement takeover = default;
        await Poll.UntilAsync(async () =>
        {
            takeover = await page.EvaluateAsync<JsonElement>("() => window.__takeover ?? null");
            return takeover.ValueKind == JsonValueKind.Object && takeover.GetProperty("framesWatched").GetInt32() >= 60;
        }, TimeSpan.FromSeconds(60), () => Task.FromResult($"The early canvas was never taken over: {takeover}."));
        Assert.True(takeover.GetProperty("variance").GetDouble() > 1, $"Cornerstone showed nothing when the early image went: {takeover}");
        Assert.Equal(takeover.GetProperty("early").GetString(), takeover.GetProperty("shown").GetString());
        Assert.True(takeover.GetProperty("meanDiff").GetDouble() is >= 0 and < 2, $"The images differ: {takeover}");
        Assert.True(takeover.GetProperty("largeShare").GetDouble() < 0.02, $"The images differ in places: {takeover}");
        Assert.True(takeover.GetProperty("shift").GetString() == "0,0", $"The images are not in the same place: {takeover}");
        Assert.True(takeover.GetProperty("blankFrames").GetInt32() == 0, $"The stage went black after the takeover: {takeover}");
    }
}
