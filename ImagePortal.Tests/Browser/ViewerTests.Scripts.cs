using System.Text.Json;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// The viewer's scripts as a workstation's browser gets them: kept from one view to the next (the shared chunks, named
/// after their content, are not asked for again). Before, every static file a signed-in user fetched renewed the session
/// cookie and was marked "no-cache, no-store", so each view fetched Cornerstone's 3 MB again.
/// </summary>
public sealed partial class ViewerTests
{
    /// <summary>The viewer's scripts the page loaded: name and the bytes that came over the network (0: from the browser's cache).</summary>
    private const string ScriptsScript = """
        () => performance.getEntriesByType('resource')
          .filter(e => /\/viewer\/[^/]+\.js$/.test(new URL(e.name).pathname))
          .map(e => ({ name: new URL(e.name).pathname.split('/').pop(), transferred: e.transferSize }))
        """;

    private sealed record Script(string Name, long Transferred);

    private static async Task<Script[]> ScriptsAsync(Microsoft.Playwright.IPage page) =>
        [.. (await page.EvaluateAsync<JsonElement>(ScriptsScript)).EnumerateArray()
            .Select(e => new Script(e.GetProperty("name").GetString()!, e.GetProperty("transferred").GetInt64()))];

    [Fact]
    public async Task ASecondView_TakesTheViewersSharedChunksFromTheBrowsersCache()
    {
        await using var context = await fixture.NewContextAsync();
        var page = await OpenAsync(context, ViewerFixture.Approved, fixture.CtStudy);
        await ImageAsync(page);

        var first = await ScriptsAsync(page);
        var listed = string.Join(", ", first.Select(s => $"{s.Name} ({s.Transferred} B)"));
        // This browser had never opened the viewer: Cornerstone's chunks came over the network.
        var chunks = first.Where(s => s.Name.StartsWith("shared-", StringComparison.Ordinal) && s.Transferred > 0).Select(s => s.Name).ToArray();
        Assert.True(chunks.Length > 0, $"no shared chunk came over the network on the first view: {listed}");

        // The same study again, as the next patient's images would be opened: the chunks come from the browser's cache.
        await page.GotoAsync(ViewerUrl(ViewerFixture.Approved, fixture.CtStudy));
        await ImageAsync(page);
        var second = await ScriptsAsync(page);
        Assert.All(chunks, chunk =>
        {
            var loaded = second.Where(s => s.Name == chunk).ToArray();
            Assert.NotEmpty(loaded);
            Assert.All(loaded, s => Assert.True(s.Transferred == 0, $"{chunk} came over the network again ({s.Transferred} bytes) on the second view."));
        });
    }
}
