using System.Text.Json;
using System.Text.RegularExpressions;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// Thumbnails in Chromium: the series strips of the approver's look-up and of the request page, drawn by
/// wwwroot/viewer/thumbnails.js from the portal's DICOMweb service (Orthanc behind it), read back from each canvas.
/// </summary>
public sealed class ThumbnailTests(ThumbnailFixture fixture) : IClassFixture<ThumbnailFixture>
{
    /// <summary>Each thumbnail canvas of the page: its state (ready, failed, …) and the variance of its pixels (0 when uniform).</summary>
    private const string CanvasesScript = """
        () => [...document.querySelectorAll('canvas[data-thumbnail]')].map(canvas => {
          let variance = 0;
          if (canvas.width && canvas.dataset.state === 'ready') {
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let sum = 0, squares = 0, n = 0;
            for (let i = 0; i < data.length; i += 4) {
              const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
              sum += v; squares += v * v; n++;
            }
            const mean = sum / n;
            variance = squares / n - mean * mean;
          }
          return { series: canvas.dataset.series, state: canvas.dataset.state ?? '', variance };
        })
        """;

    private sealed record Thumbnail(string Series, string State, double Variance);

    private static async Task<List<Thumbnail>> ThumbnailsAsync(IPage page) =>
        (await page.EvaluateAsync<JsonElement>(CanvasesScript)).EnumerateArray()
            .Select(t => new Thumbnail(t.GetProperty("series").GetString()!, t.GetProperty("state").GetString()!, t.GetProperty("variance").GetDouble()))
            .ToList();

    /// <summary>Waits (polling, with a deadline) until <paramref name="count"/> thumbnails have drawn non-uniform images.</summary>
    private static async Task<List<Thumbnail>> DrawnAsync(IPage page, int count)
    {
        List<Thumbnail> last = [];
        await Poll.UntilAsync(async () =>
        {
            last = await ThumbnailsAsync(page);
            return last.Count(t => t.State == "ready" && t.Variance > 1) >= count;
        }, TimeSpan.FromSeconds(60), async () =>
            $"Expected {count} drawn thumbnails; saw {string.Join(", ", last)}; the page says: "
            + string.Join(" | ", await page.GetByTestId("thumbnail-status").AllTextContentsAsync()));
        return last;
    }

    private static async Task<IPage> LookUpAsync(IBrowserContext context, string number)
    {
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await page.GotoAsync($"/requests/{number}");
        await new Shell(page).WaitUntilInteractiveAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Search PACS" }).ClickAsync();
        return page;
    }

    [Fact]
    public async Task TheApproversLookUp_OfAFourViewMammogram_ShowsFourThumbnails_EachAnImage()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await LookUpAsync(context, ThumbnailFixture.Mammography);

        var thumbnails = page.GetByTestId("series-thumbnail");
        await Expect(thumbnails).ToHaveCountAsync(4);
        await Expect(thumbnails.First).ToContainTextAsync("MG");
        await Expect(thumbnails.First).ToContainTextAsync("1 image");
        foreach (var view in new[] { "R CC", "L CC", "R MLO", "L MLO" })
        {
            await Expect(page.GetByTestId("series-thumbnail").Filter(new() { HasText = view })).ToHaveCountAsync(1);
        }

        var drawn = await DrawnAsync(page, 4);
        Assert.Equal(4, drawn.Select(t => t.Series).Distinct().Count());
        Assert.All(drawn, t => Assert.True(t.State == "ready" && t.Variance > 1, $"{t}"));
        var violations = await AxeScan.SeriousViolationsAsync(page, "the look-up with its thumbnails");
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public async Task ACtThumbnail_InTheLookUp_OpensTheViewerAtItsSeries()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await LookUpAsync(context, ThumbnailFixture.Ct);

        var thumbnail = page.GetByTestId("series-thumbnail");
        await Expect(thumbnail).ToHaveCountAsync(1);
        await Expect(thumbnail).ToContainTextAsync($"{DemoDataGenerator.CtSlices} images");
        await DrawnAsync(page, 1);

        var link = thumbnail.GetByRole(AriaRole.Link);
        await Expect(link).ToHaveAttributeAsync("href",
            $"/requests/{ThumbnailFixture.Ct}/viewer?study={Uri.EscapeDataString(fixture.CtStudy)}&series={Uri.EscapeDataString(fixture.CtSeries)}");
        await link.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape($"series={Uri.EscapeDataString(fixture.CtSeries)}") + "$"));
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync($"Image {(DemoDataGenerator.CtSlices / 2) + 1} / {DemoDataGenerator.CtSlices}", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid=image-viewer]")).ToHaveAttributeAsync("data-loaded", fixture.CtSeries);
    }

    [Fact]
    public async Task TheRequestPage_ShowsTheApprovedStudiesStrips_AndAThumbnailThatCannotBeDecoded_SaysSo()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await page.GotoAsync($"/requests/{ThumbnailFixture.Approved}");

        await Expect(page.GetByTestId("series-strip")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("series-thumbnail")).ToHaveCountAsync(2);
        var drawn = await DrawnAsync(page, 1);
        Assert.Contains(drawn, t => t.State == "ready");

        var broken = page.GetByTestId("series-thumbnail").Filter(new() { HasText = "Unreadable" });
        await Expect(broken.GetByTestId("thumbnail-status")).ToHaveTextAsync("No preview: The image could not be decoded.", new() { Timeout = 60_000 });
        await Expect(broken.Locator("canvas")).ToBeHiddenAsync();
        var violations = await AxeScan.SeriousViolationsAsync(page, "the request page with a thumbnail and a failed one");
        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public async Task TheClerksRequestPage_ShowsTheImportedStudysStrip_Only()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await page.GotoAsync($"/requests/{ThumbnailFixture.Approved}");

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Approved studies" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("series-strip")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("series-thumbnail")).ToContainTextAsync("Axial 2.5mm brain");
        await DrawnAsync(page, 1);
    }

    [Fact]
    public async Task TheJobsBoard_LinksAFinishedRetrieval_ToTheViewer()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await page.GotoAsync("/jobs");
        await new Shell(page).WaitUntilInteractiveAsync();

        var link = page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex($@"^View images of .*\({ThumbnailFixture.Approved}\)$") });
        await Expect(link).ToHaveCountAsync(1);
        await link.ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape($"/requests/{ThumbnailFixture.Approved}/viewer?study={Uri.EscapeDataString(fixture.CtStudy)}") + "$"));
        await Expect(page.GetByTestId("viewer-series")).ToContainTextAsync("Axial 2.5mm brain");
    }
}

/// <summary>A thumbnail whose PACS stops answering: its own fixture, since the test stops the PACS for good.</summary>
public sealed class ThumbnailPacsDownTests(ThumbnailFixture fixture) : IClassFixture<ThumbnailFixture>
{
    [Fact]
    public async Task AThumbnail_WhosePacsHasStopped_SaysSoInItsBox_InsteadOfAnImage()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        // A phone's screen: the approved studies' strips are listed (their series found in the PACS) but below the fold,
        // so their thumbnails wait until scrolled to.
        await page.SetViewportSizeAsync(390, 360);
        await page.GotoAsync($"/requests/{ThumbnailFixture.Approved}");
        var ct = page.GetByTestId("series-thumbnail").Filter(new() { HasText = "Axial 2.5mm brain" });
        await Expect(ct).ToHaveCountAsync(1);
        await Expect(ct.Locator("canvas")).Not.ToHaveAttributeAsync("data-state", new Regex("."));

        await fixture.Orthanc.DisposeAsync();
        await ct.ScrollIntoViewIfNeededAsync();

        var status = ct.GetByTestId("thumbnail-status");
        // The service's 502 in the PACS gateway's words (which node could not be reached), not a decoder's error.
        await Expect(status).ToHaveTextAsync(new Regex("^No preview: .*(reach|refused|connect)", RegexOptions.IgnoreCase), new() { Timeout = 60_000 });
        await Expect(ct.Locator("canvas")).ToBeHiddenAsync();
    }
}
