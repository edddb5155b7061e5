using ImagePortal.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The prerendered page opens the viewer itself (early.js): its first image is drawn while the page's live connection is
/// still being made, and the page's component, once live, takes that viewer over (its canvas and state) instead of
/// opening a second one.
/// </summary>
public sealed partial class ViewerTests
{
    /// <summary>Marks the canvas shown, and counts the canvases in the page and those that carry the mark.</summary>
    private const string MarkCanvas = "() => { document.querySelector('[data-testid=viewer-viewport] canvas').dataset.early = 'true'; }";

    private const string CountCanvases = """
        () => ({ all: document.querySelectorAll('[data-testid=viewer-viewport] canvas').length,
                 marked: document.querySelectorAll('[data-testid=viewer-viewport] canvas[data-early]').length,
                 roots: document.querySelectorAll('[data-testid=viewer-root]').length })
        """;

    private sealed record Canvases(int All, int Marked, int Roots);

    private static async Task<Canvases> CanvasesAsync(Microsoft.Playwright.IPage page)
    {
        var counts = await page.EvaluateAsync<System.Text.Json.JsonElement>(CountCanvases);
        return new Canvases(counts.GetProperty("all").GetInt32(), counts.GetProperty("marked").GetInt32(), counts.GetProperty("roots").GetInt32());
    }

    [Fact]
    public async Task TheFirstImage_IsDrawn_WhileTheLiveConnectionIsHeld_AndTheLivePageTakesOverThatViewer()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.ApproverSbr);
        using var circuit = new HeldCircuitStart();
        await context.RouteWebSocketAsync(url => url.Contains("/_blazor?", StringComparison.Ordinal), circuit.Route);
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));

        // The circuit's answers are held from its start: whatever is drawn now, the prerendered page drew.
        await circuit.Requested.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        var first = await ImageAsync(page);
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        await Expect(page.GetByTestId("circuit-ready")).ToHaveCountAsync(0);
        await page.EvaluateAsync(MarkCanvas);

        circuit.Release();
        await new Shell(page).WaitUntilInteractiveAsync();
        await Expect(page.Locator($"{Viewer}[data-adopted]")).ToHaveCountAsync(1);
        await Poll.UntilAsync(
            () => page.EvaluateAsync<bool>($"() => document.querySelector('{Viewer}').imagePortalViewer?.state().count === {ViewerFixture.Slices}"),
            TimeSpan.FromSeconds(20));
        Assert.Equal(new Canvases(1, 1, 1), await CanvasesAsync(page));
        await Expect(page.GetByTestId("viewer-slice")).ToHaveTextAsync(Middle);
        Assert.Equal(first.Hash, (await CanvasAsync(page)).Hash);

        // The live page's viewer is the early one, and it works: the wheel shows the next slice, a preset changes the pixels.
        await page.GetByTestId("viewer-viewport").HoverAsync();
        await page.Mouse.WheelAsync(0, 120);
        await Expect(page.GetByTestId("viewer-slice")).Not.ToHaveTextAsync(Middle);
        var next = await ImageAsync(page, first);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Lung", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("viewer-overlay")).ToContainTextAsync("W 1500 L -600");
        await ImageAsync(page, next);
        Assert.Equal(new Canvases(1, 1, 1), await CanvasesAsync(page));
        await Expect(page.GetByTestId("viewer-series")).ToHaveCountAsync(1);
    }
}
