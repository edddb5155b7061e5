using System.Text.Json;
using System.Text.RegularExpressions;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The viewer page in Chromium: Cornerstone3D fed by the portal's DICOMweb service from Orthanc. What the canvas shows is
/// read back from it (getImageData), so these tests see the pixels the user sees.
/// </summary>
public sealed partial class ViewerTests(ViewerFixture fixture) : IClassFixture<ViewerFixture>
{
    private const string Viewer = "[data-testid=image-viewer]";

    /// <summary>The canvas' pixels: their variance (0 for a blank or uniform canvas) and a hash that tells two images apart.</summary>
    private const string CanvasScript = """
        () => {
          const canvas = document.querySelector('[data-testid=viewer-viewport] canvas');
          if (!canvas || !canvas.width) return null;
          const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
          let sum = 0, squares = 0, hash = 0, n = 0;
          for (let i = 0; i < data.length; i += 4) {
            const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
            sum += v; squares += v * v; n++;
            hash = (Math.imul(hash, 31) + data[i] + 7 * data[i + 1] + 13 * data[i + 2]) | 0;
          }
          const mean = sum / n;
          return { variance: squares / n - mean * mean, hash };
        }
        """;

    private sealed record Canvas(double Variance, int Hash);

    private static string ViewerUrl(string number, string study) => $"/requests/{number}/viewer?study={Uri.EscapeDataString(study)}";

    private static async Task<Canvas> CanvasAsync(IPage page)
    {
        var result = await page.EvaluateAsync<JsonElement?>(CanvasScript);
        return result is { ValueKind: JsonValueKind.Object } r
            ? new Canvas(r.GetProperty("variance").GetDouble(), r.GetProperty("hash").GetInt32())
            : new Canvas(0, 0);
    }

    /// <summary>Waits (polling, with a deadline) until the canvas shows an image that is not uniform and differs from <paramref name="before"/>.</summary>
    private static async Task<Canvas> ImageAsync(IPage page, Canvas? before = null)
    {
        Canvas last = new(0, 0);
        await Poll.UntilAsync(async () =>
        {
            last = await CanvasAsync(page);
            return last.Variance > 1 && (before is null || last.Hash != before.Hash);
        }, TimeSpan.FromSeconds(20), async () =>
            $"The canvas never showed {(before is null ? "a non-uniform image" : "a different image")}; last {last}; the viewer says: "
            + $"'{await page.EvaluateAsync<string?>("() => document.querySelector('[data-testid=viewer-message]')?.textContent ?? '(no viewer)'")}'.");
        return last;
    }

    private async Task<IPage> OpenAsync(IBrowserContext context, string number, string study)
    {
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await page.GotoAsync(ViewerUrl(number, study));
        return page;
    }

    /// <summary>
    /// Chromium here emulates WebGL in software (SwiftShader), as on a workstation without a GPU: the viewer draws with
    /// Cornerstone's CPU rendering there, unless the workstation asks for WebGL (localStorage
    /// <c>imageportal.viewer.rendering</c>), which is what a workstation with a GPU gets; both must do everything.
    /// </summary>
    [Theory]
    [InlineData(null, "cpu")]
    [InlineData("gpu", "gpu")]
    public async Task Ct_ShowsTheMiddleSlice_WheelKeysAndSliderScroll_PresetsAndInvertChangeThePixels(string? wanted, string rendering)
    {
        await using var context = await fixture.NewContextAsync();
        if (wanted is not null)
        {
            await context.AddInitScriptAsync($"window.localStorage.setItem('imageportal.viewer.rendering', '{wanted}')");
        }

        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.CtStudy);
        await Expect(page.GetByTestId("viewer-root")).ToHaveAttributeAsync("data-rendering", rendering);

        var series = page.GetByTestId("viewer-series");
        await Expect(series).ToHaveCountAsync(1);
        await Expect(series).ToContainTextAsync("Axial 2 mm");
        await Expect(series).ToContainTextAsync($"{ViewerFixture.Slices} images");
        var slice = page.GetByTestId("viewer-slice");
        await Expect(slice).ToHaveTextAsync($"Image {(ViewerFixture.Slices / 2) + 1} / {ViewerFixture.Slices}");
        var middle = await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();

        var viewport = page.GetByTestId("viewer-viewport");
        await viewport.HoverAsync();
        await page.Mouse.WheelAsync(0, 120);
        await Expect(slice).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($@"^Image (?!{(ViewerFixture.Slices / 2) + 1} )\d+ / {ViewerFixture.Slices}$"));
        var wheeled = await ImageAsync(page, middle);

        await viewport.ClickAsync();
        await page.Keyboard.PressAsync("Home");
        await Expect(slice).ToHaveTextAsync($"Image 1 / {ViewerFixture.Slices}");
        var first = await ImageAsync(page, wheeled);
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(slice).ToHaveTextAsync($"Image 2 / {ViewerFixture.Slices}");
        var second = await ImageAsync(page, first);

        await page.GetByTestId("viewer-slider").FillAsync("5");
        await Expect(slice).ToHaveTextAsync($"Image 5 / {ViewerFixture.Slices}");
        var fifth = await ImageAsync(page, second);

        await page.GetByRole(AriaRole.Button, new() { Name = "Lung", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("viewer-overlay")).ToContainTextAsync("W 1500 L -600");
        var lung = await ImageAsync(page, fifth);
        await page.GetByRole(AriaRole.Button, new() { Name = "Bone", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("viewer-overlay")).ToContainTextAsync("W 2000 L 300");
        var bone = await ImageAsync(page, lung);
        await page.GetByRole(AriaRole.Button, new() { Name = "Image VOI", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("viewer-overlay")).ToContainTextAsync("W 400 L 40");
        var own = await ImageAsync(page, bone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Invert", Exact = true }).ClickAsync();
        await ImageAsync(page, own);
    }

    [Fact]
    public async Task JpegLs_AndRle_Decode_InTheBrowser()
    {
        await using var context = await fixture.NewContextAsync();
        foreach (var file in fixture.Corpus)
        {
            var page = await OpenAsync(context, ViewerFixture.Approved, fixture.StudyOf(file));
            await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^Image \d+ / \d+$"));
            await ImageAsync(page);
            await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();
            await page.CloseAsync();
        }
    }

    /// <summary>pydicom's decoded values of one frame of a file, flattened (rows, columns, samples).</summary>
    private const string PydicomPixels = """
        import sys, json, pydicom
        d = pydicom.dcmread(sys.argv[1])
        a = d.pixel_array
        if int(d.get('NumberOfFrames', 1) or 1) > 1:
            a = a[int(sys.argv[2])]
        print(json.dumps([int(v) for v in a.reshape(-1)]))
        """;

    /// <summary>
    /// The values Cornerstone decoded in the browser (WebAssembly CharLS for JPEG-LS, its RLE decoder for RLE) are
    /// pydicom's, pixel for pixel: JPEG-LS against the uncompressed original of the same MR (pydicom has no JPEG-LS
    /// decoder here), RLE against pydicom's own RLE decoder, for the frame the viewer shows.
    /// </summary>
    [Theory]
    [InlineData("MR_small_jpeg_ls_lossless.dcm", "MR_small.dcm")]
    [InlineData("SC_rgb_rle_2frame.dcm", "SC_rgb_rle_2frame.dcm")]
    public async Task DecodedPixels_InTheBrowser_ArePydicoms(string shown, string reference)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.StudyOf(TestFiles.Require(shown)));
        await ImageAsync(page);
        await AssertPixelsArePydicomsAsync(page, reference);
    }

    public static TheoryData<string, string?> SyntaxMatrix => new()
    {
        { "MR_small_bigendian.dcm", "MR_small_bigendian.dcm" }, // explicit VR big endian
        { "image_dfl.dcm", "image_dfl.dcm" }, // deflated explicit VR little endian
        { "MR_small_RLE.dcm", "MR_small_RLE.dcm" }, // RLE, 16 bits signed
        { "MR_small_jp2klossless.dcm", "MR_small.dcm" }, // JPEG 2000 lossless
        { "JPEG2000.dcm", null }, // JPEG 2000 (lossy)
        { "SC_rgb_jpeg_dcmtk.dcm", null }, // JPEG baseline, YBR_FULL
        { "JPEG-lossy.dcm", null }, // JPEG extended, 12 bits
        { "SC_rgb_jpeg_gdcm.dcm", null }, // JPEG lossless (process 14 SV1), RGB
        { "SC_ybr_full_422_uncompressed.dcm", null }, // native YBR_FULL_422: two bytes a pixel
    };

    /// <summary>
    /// Each transfer syntax shows an image and no error; the lossless ones decode to pydicom's values (pydicom decodes
    /// big endian, deflate and RLE itself; JPEG 2000 lossless is compared with the uncompressed original).
    /// </summary>
    [Theory]
    [MemberData(nameof(SyntaxMatrix))]
    public async Task EveryTransferSyntax_Displays(string file, string? reference)
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Syntaxes, fixture.SyntaxStudy(file));
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(new Regex(@"^Image \d+ / \d+$"));
        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();
        if (reference is not null)
        {
            await AssertPixelsArePydicomsAsync(page, reference);
        }
    }

    private static async Task AssertPixelsArePydicomsAsync(IPage page, string reference)
    {
        var python = ExternalTools.Require("/usr/bin/python3", "python3-pydicom");
        JsonElement decoded = default;
        await Poll.UntilAsync(async () =>
        {
            decoded = await page.EvaluateAsync<JsonElement>(
                "() => { const v = document.querySelector('[data-testid=image-viewer]').imagePortalViewer; return v ? { ...v.pixels(), index: v.state().index } : null; }");
            return decoded.ValueKind == JsonValueKind.Object && decoded.GetProperty("values").GetArrayLength() > 0;
        }, TimeSpan.FromSeconds(20), () => Task.FromResult("The viewer never gave its decoded pixels."));
        var (rows, columns) = (decoded.GetProperty("rows").GetInt32(), decoded.GetProperty("columns").GetInt32());
        var values = decoded.GetProperty("values").EnumerateArray().Select(v => v.GetInt32()).ToList();
        if (values.Count == rows * columns * 4)
        {
            values = values.Where((_, i) => i % 4 != 3).ToList(); // RGBA: pydicom gives RGB
        }

        var frame = decoded.GetProperty("index").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (exit, output, error) = await Dicom.DicomCorpusTests.Run(python, TestContext.Current.CancellationToken, "-c", PydicomPixels, TestFiles.Require(reference), frame);
        Assert.True(exit == 0, error);
        var expected = JsonSerializer.Deserialize<List<int>>(output)!;
        Assert.Equal(expected.Count, values.Count);
        var differing = Enumerable.Range(0, expected.Count).Count(i => expected[i] != values[i]);
        Assert.True(differing == 0, $"{differing} of {expected.Count} values differ from pydicom's; first: {Enumerable.Range(0, expected.Count).Where(i => expected[i] != values[i]).Select(i => $"[{i}] {values[i]} vs {expected[i]}").FirstOrDefault()}");
        if (values.Count == rows * columns)
        {
            // A grey image's least and greatest value as its decoder found them (the window of an image that names none).
            Assert.Equal(((double)expected.Min(), (double)expected.Max()), (decoded.GetProperty("min").GetDouble(), decoded.GetProperty("max").GetDouble()));
        }
    }

    [Fact]
    public async Task AFrameThatCannotBeDecoded_IsSaidInTheViewport_AndTheOtherImagesStillShow()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.BrokenStudy);

        var message = page.GetByTestId("viewer-message");
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync("Image 2 / 3");
        await Expect(message).ToBeVisibleAsync();
        await Expect(message).ToContainTextAsync("Image 2: The image could not be decoded");

        await page.GetByTestId("viewer-viewport").ClickAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync("Image 3 / 3");
        await ImageAsync(page);
        await Expect(message).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheApprovedStudies_OnTheRequestPage_LinkToTheViewer()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        await page.GotoAsync($"/requests/{ViewerFixture.Approved}");

        var links = page.GetByRole(AriaRole.Link, new() { Name = "View images of" });
        await Expect(links).ToHaveCountAsync(2 + fixture.Corpus.Count);
        await Expect(page.Locator($"a[href='{ViewerUrl(ViewerFixture.Approved, fixture.CtStudy)}']")).ToHaveCountAsync(1);
        await page.Locator($"a[href='{ViewerUrl(ViewerFixture.Approved, fixture.CtStudy)}']").ClickAsync();

        await Expect(page.GetByTestId("viewer-series")).ToContainTextAsync("Axial 2 mm");
        await ImageAsync(page);
    }

    [Fact]
    public async Task TheClerk_OpensTheImportedStudy_FromTheCompletedRequest()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await page.GotoAsync($"/requests/{ViewerFixture.Imported}");

        // A click that lands while the circuit's first render replaces the prerendered page goes to an element that is
        // gone (PrerenderTests): click again until the address moves, within a deadline.
        var link = page.GetByRole(AriaRole.Link, new() { Name = "View images of" });
        await Poll.UntilAsync(async () =>
        {
            if (!page.Url.Contains("/viewer?", StringComparison.Ordinal))
            {
                await link.ClickAsync();
                await page.WaitForURLAsync(url => url.Contains("/viewer?", StringComparison.Ordinal), new() { Timeout = 2000 }).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            return page.Url.Contains("/viewer?", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(20));

        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(Regex.Escape(ViewerUrl(ViewerFixture.Imported, fixture.CtStudy)) + "$"));
        await Expect(page.GetByTestId("viewer-series")).ToContainTextAsync($"{ViewerFixture.Slices} images");
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync($"Image {(ViewerFixture.Slices / 2) + 1} / {ViewerFixture.Slices}");
        await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-message")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task TheClerk_SeesNoViewerLink_BeforeTheImport_AndTheViewerPageDoesNotExistForTheApproversSide()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await page.GotoAsync($"/requests/{ViewerFixture.Approved}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Approved studies" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "View images of" })).ToHaveCountAsync(0);

        // A clerk of the source facility is on neither side the viewer serves.
        await using var sourceClerk = await fixture.NewContextAsync();
        var other = await SignedIn.AsAsync(sourceClerk, DemoUsers.ClerkSbr);
        await other.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));
        await Expect(other.GetByTestId("image-viewer")).ToHaveCountAsync(0);
        await Expect(other.GetByRole(AriaRole.Heading, new() { Name = "Images of VIEWER-1" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task AStudyOutsideTheUsersScope_ShowsTheServicesRefusal_InTheViewport()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.OtherStudy.StudyInstanceUid);

        var message = page.GetByTestId("viewer-message");
        await Expect(message).ToBeVisibleAsync();
        await Expect(message).ToHaveTextAsync("Not found.");
        await Expect(page.GetByTestId("viewer-series")).ToHaveCountAsync(0);
    }
}
