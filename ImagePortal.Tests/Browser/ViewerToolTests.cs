using System.Text.Json;
using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>The viewer's tools: cine playback, the key tags, two series side by side, MONOCHROME1.</summary>
public sealed partial class ViewerTests
{
    private const string Handle = "document.querySelector('[data-testid=image-viewer]').imagePortalViewer";

    private static Task<int> SliceIndexAsync(IPage page) =>
        page.EvaluateAsync<int>("() => Number(document.querySelector('[data-testid=image-viewer]').dataset.sliceIndex ?? -1)");

    [Fact]
    public async Task AMultiFrameCine_PlaysAtItsOwnRate_PauseStopsIt_AndKeysStillStepFrames()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Tools, fixture.CineStudy);
        var slice = page.GetByTestId("viewer-slice");
        await Expect(slice).ToHaveTextAsync($"Image {(ViewerToolFiles.CineFrames / 2) + 1} / {ViewerToolFiles.CineFrames}");
        var still = await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-fps")).ToHaveValueAsync(ViewerToolFiles.CineRate.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var play = page.GetByTestId("viewer-play");
        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(play).ToHaveTextAsync("Pause");

        // Without any input the frame moves on, through at least three frames (it loops), and the canvas with it.
        var seen = new HashSet<int>();
        await Poll.UntilAsync(async () =>
        {
            seen.Add(await SliceIndexAsync(page));
            return seen.Count >= 3;
        }, TimeSpan.FromSeconds(20), () => Task.FromResult($"The cine showed only frames {string.Join(", ", seen)}."));
        await ImageAsync(page, still);

        await play.ClickAsync();
        await Expect(play).ToHaveAttributeAsync("aria-pressed", "false");
        await Expect(play).ToHaveTextAsync("Play");

        // Paused: after the frame that was loading when the pause came (one frame time, 100 ms), no new frame is shown
        // over five frame times.
        var changes = await page.EvaluateAsync<int>("""
            () => new Promise(resolve => setTimeout(() => {
              const host = document.querySelector('[data-testid=image-viewer]');
              let changes = 0;
              const observer = new MutationObserver(() => changes++);
              observer.observe(host, { attributes: true, attributeFilter: ['data-slice-index'] });
              setTimeout(() => { observer.disconnect(); resolve(changes); }, 500);
            }, 150))
            """);
        Assert.Equal(0, changes);

        var paused = await SliceIndexAsync(page);
        await page.GetByTestId("viewer-viewport").ClickAsync();
        await page.Keyboard.PressAsync(paused == ViewerToolFiles.CineFrames - 1 ? "ArrowUp" : "ArrowDown");
        var stepped = paused == ViewerToolFiles.CineFrames - 1 ? paused - 1 : paused + 1;
        await Expect(slice).ToHaveTextAsync($"Image {stepped + 1} / {ViewerToolFiles.CineFrames}");
    }

    [Fact]
    public async Task TheKeyTags_ShowTheShownImagesValues_AndFollowTheImageAndTheWindow()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.CtStudy);
        await ImageAsync(page);
        var panel = page.GetByTestId("viewer-tags");
        await Expect(panel).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Tags", Exact = true }).ClickAsync();
        await Expect(panel).ToBeVisibleAsync();

        ILocator Tag(string key) => panel.Locator($"dd[data-tag={key}]");
        var middle = (ViewerFixture.Slices / 2) + 1;
        await Expect(Tag("patient-name")).ToHaveTextAsync("VIEWER, CT");
        await Expect(Tag("patient-id")).ToHaveTextAsync("SBR-7101");
        await Expect(Tag("study-date")).ToHaveTextAsync("2025-03-01");
        await Expect(Tag("study-description")).ToHaveTextAsync("CT head");
        await Expect(Tag("series")).ToHaveTextAsync("#1 · Axial 2 mm");
        await Expect(Tag("modality")).ToHaveTextAsync("CT");
        await Expect(Tag("instance-number")).ToHaveTextAsync($"{middle}");
        await Expect(Tag("frame")).ToHaveTextAsync("1 / 1");
        await Expect(Tag("slice-location")).ToHaveTextAsync("—");
        await Expect(Tag("slice-thickness")).ToHaveTextAsync("2 mm");
        await Expect(Tag("window")).ToHaveTextAsync("W 400 L 40");
        await Expect(Tag("size")).ToHaveTextAsync($"{ViewerFixture.Size} × {ViewerFixture.Size}");
        await Expect(Tag("transfer-syntax")).ToHaveTextAsync("Explicit VR Little Endian (1.2.840.10008.1.2.1)");
        await Expect(Tag("photometric")).ToHaveTextAsync("MONOCHROME2");

        // The top left corner: the panel covers the right of the image.
        await page.GetByTestId("viewer-viewport").ClickAsync(new() { Position = new() { X = 5, Y = 5 } });
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(Tag("instance-number")).ToHaveTextAsync($"{middle + 1}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Lung", Exact = true }).ClickAsync();
        await Expect(Tag("window")).ToHaveTextAsync("W 1500 L -600");

        await page.GetByRole(AriaRole.Button, new() { Name = "Tags", Exact = true }).ClickAsync();
        await Expect(panel).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TwoSeries_SideBySide_EachPaneItsOwnSeriesAndWindow()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Tools, fixture.MammographyStudy);
        await Expect(page.GetByTestId("viewer-series")).ToHaveCountAsync(2);
        await ImageAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "1×2", Exact = true }).ClickAsync();
        var second = page.Locator("[data-testid=viewer-pane][data-pane='1']");
        await Expect(second).ToHaveAttributeAsync("data-active", "true");
        await Expect(second.GetByTestId("viewer-hint")).ToBeVisibleAsync();
        await page.GetByTestId("viewer-series").Filter(new() { HasText = "R CC" }).ClickAsync();
        await Expect(second.GetByTestId("viewer-slice")).ToHaveTextAsync("Image 1 / 1");

        // Both panes show an image, and not the same one: the series' own pixels, decoded and on the canvas.
        JsonElement panes = default;
        await Poll.UntilAsync(async () =>
        {
            panes = await page.EvaluateAsync<JsonElement>($$"""
                () => {
                  const v = {{Handle}};
                  const canvases = [...document.querySelectorAll('[data-testid=viewer-pane] canvas')].map(c => {
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let hash = 0, min = 255, max = 0;
                    for (let i = 0; i < d.length; i += 4) { hash = (Math.imul(hash, 31) + d[i]) | 0; min = Math.min(min, d[i]); max = Math.max(max, d[i]); }
                    return { hash, contrast: max - min };
                  });
                  const pixels = [0, 1].map(i => v.pixels(i)?.values.join(',') ?? '');
                  return { series: v.panes().map(p => p.series), canvases, samePixels: pixels[0] === pixels[1], decoded: pixels.every(p => p.length > 0) };
                }
                """);
            var canvases = panes.GetProperty("canvases").EnumerateArray().ToList();
            return canvases.Count == 2 && canvases.All(c => c.GetProperty("contrast").GetInt32() > 50)
                   && canvases[0].GetProperty("hash").GetInt32() != canvases[1].GetProperty("hash").GetInt32()
                   && panes.GetProperty("decoded").GetBoolean();
        }, TimeSpan.FromSeconds(20), () => Task.FromResult($"The panes never showed two images: {panes}"));
        var series = panes.GetProperty("series").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(2, series.Distinct().Count());
        Assert.False(panes.GetProperty("samePixels").GetBoolean());

        // The window is each pane's own: inverting the first leaves the second as it was.
        var first = page.Locator("[data-testid=viewer-pane][data-pane='0']");
        await first.GetByTestId("viewer-viewport").ClickAsync();
        await Expect(first).ToHaveAttributeAsync("data-active", "true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invert", Exact = true }).ClickAsync();
        var inverted = await page.EvaluateAsync<JsonElement>($"() => {Handle}.panes().map(p => p.inverted)");
        Assert.Equal([true, false], inverted.EnumerateArray().Select(i => i.GetBoolean()).ToArray());
    }

    /// <summary>Each series in the list has a thumbnail of its middle image, drawn by Cornerstone: an image, and not the other series'.</summary>
    [Fact]
    public async Task TheSeriesList_ShowsAThumbnailOfEachSeries()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Tools, fixture.MammographyStudy);
        var series = page.GetByTestId("viewer-series");
        await Expect(series).ToHaveCountAsync(2);
        await Expect(series.Nth(0)).ToHaveAttributeAsync("data-thumbnail", "ready");
        await Expect(series.Nth(1)).ToHaveAttributeAsync("data-thumbnail", "ready");
        await Expect(series.Nth(0)).ToContainTextAsync("MG #1");
        await Expect(series.Nth(0)).ToContainTextAsync("L CC");
        await Expect(series.Nth(0)).ToContainTextAsync("1 image");

        JsonElement thumbnails = default;
        await Poll.UntilAsync(async () =>
        {
            thumbnails = await page.EvaluateAsync<JsonElement>("""
                () => [...document.querySelectorAll('[data-testid=viewer-thumbnail]')].map(c => {
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let hash = 0, min = 255, max = 0;
                  for (let i = 0; i < d.length; i += 4) { hash = (Math.imul(hash, 31) + d[i]) | 0; min = Math.min(min, d[i]); max = Math.max(max, d[i]); }
                  return { hash, contrast: max - min, width: c.width };
                })
                """);
            var all = thumbnails.EnumerateArray().ToList();
            return all.Count == 2 && all.All(t => t.GetProperty("contrast").GetInt32() > 50)
                   && all[0].GetProperty("hash").GetInt32() != all[1].GetProperty("hash").GetInt32();
        }, TimeSpan.FromSeconds(20), () => Task.FromResult($"The thumbnails are not two different images: {thumbnails}"));
    }

    /// <summary>pydicom's stored values at row 32, columns 4, 20, 36, 52 of a file.</summary>
    private const string PydicomStored = """
        import sys, json, pydicom
        a = pydicom.dcmread(sys.argv[1]).pixel_array
        print(json.dumps([int(a[32, c]) for c in (4, 20, 36, 52)]))
        """;

    /// <summary>
    /// MONOCHROME1 shows a higher stored value darker (PS3.3 C.7.6.3.1.2), with a window in the file and without; Invert
    /// then shows it the other way. Before, Invert did nothing on a MONOCHROME1 image with a window (the viewer's inversion
    /// was absolute, and Cornerstone had already inverted the image); and the fix could not use Cornerstone's
    /// resetProperties, which restores the transfer function from before the inversion while the viewport says inverted.
    /// </summary>
    [Theory]
    [InlineData(0, "PA")]
    [InlineData(1, "LAT")]
    public async Task Monochrome1_ShowsHigherStoredValuesDarker_AndInvertTurnsItOver(int file, string series)
    {
        var python = ExternalTools.Require("/usr/bin/python3", "python3-pydicom");
        var (exit, output, error) = await Dicom.DicomCorpusTests.Run(python, TestContext.Current.CancellationToken, "-c", PydicomStored, fixture.Monochrome1Files[file]);
        Assert.True(exit == 0, error);
        var stored = JsonSerializer.Deserialize<List<int>>(output)!;
        Assert.Equal(stored.Order().ToList(), stored);
        Assert.Equal(stored.Count, stored.Distinct().Count());

        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Tools, fixture.Monochrome1Study);
        await ImageAsync(page);
        await page.GetByTestId("viewer-series").Filter(new() { HasText = series }).ClickAsync();
        await Expect(page.GetByTestId("image-viewer")).ToHaveAttributeAsync("data-loaded", await page.GetByTestId("viewer-series").Filter(new() { HasText = series }).GetAttributeAsync("data-series") ?? "");
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();

        const string Read = $"() => {Handle}.displayed([[4, 32], [20, 32], [36, 32], [52, 32]])";
        List<int> shown = [];
        await Poll.UntilAsync(async () =>
        {
            shown = (await page.EvaluateAsync<int[]>(Read)).ToList();
            return shown.Zip(shown.Skip(1)).All(p => p.First > p.Second);
        }, TimeSpan.FromSeconds(20), async () => $"Stored {string.Join(", ", stored)} showed as {string.Join(", ", shown)}: not darker as the value rises; the viewer: {await page.EvaluateAsync<JsonElement>($"() => {Handle}.state()")}");

        await page.GetByRole(AriaRole.Button, new() { Name = "Invert", Exact = true }).ClickAsync();
        await Poll.UntilAsync(async () =>
        {
            shown = (await page.EvaluateAsync<int[]>(Read)).ToList();
            return shown.Zip(shown.Skip(1)).All(p => p.First < p.Second);
        }, TimeSpan.FromSeconds(20), () => Task.FromResult($"Inverted, stored {string.Join(", ", stored)} showed as {string.Join(", ", shown)}: not brighter as the value rises."));
    }
}
