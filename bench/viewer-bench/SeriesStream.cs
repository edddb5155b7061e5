using System.Diagnostics;
using Microsoft.Playwright;

/// <summary>
/// bench/viewer.sh's stream_* measures, after a view, each on a quiet machine: the series' one streamed call (WADO-RS
/// Series Pixel Data, what the viewer's stream asks) from the portal's cache, its body read and dropped: by plain HTTP
/// from here (the portal's side, no browser and no PACS at work), on the viewer's page, on a page of the portal's origin
/// that runs nothing (whether the viewer's page itself, Blazor and Cornerstone, slows the browser's side), and read and
/// cut into frames by the viewer's own frames worker. Milliseconds.
/// </summary>
internal static class SeriesStream
{
    public sealed record Times(double Http, double Page, double Blank, double Worker, int WorkerFrames);

    private const string Accept = "multipart/related; type=\"application/octet-stream\"; transfer-syntax=*";

    /// <summary>The call from a page: its body read to the end on the page's thread.</summary>
    private const string ReadScript = $$"""
        async url => {
          const start = performance.now();
          const reader = (await fetch(url, { headers: { Accept: '{{Accept}}' } })).body.getReader();
          for (;;) { const { done } = await reader.read(); if (done) break; }
          return performance.now() - start;
        }
        """;

    /// <summary>The call read by the viewer's frames worker (seriesFramesWorker.js): time to its end, and the frames it gave.</summary>
    private const string WorkerScript = """
        async url => {
          const start = performance.now();
          const worker = new Worker(new URL('/viewer/seriesFramesWorker.js', location.href), { type: 'module' });
          const frames = await new Promise(resolve => {
            let n = 0;
            worker.onmessage = ({ data }) => { if (data.frames) n += data.frames.length; if (data.end) resolve(n); };
            worker.postMessage({ key: 'bench', url });
          });
          worker.terminate();
          return { ms: performance.now() - start, frames };
        }
        """;

    /// <param name="http">signed in as the page's user</param>
    /// <param name="pixelDataUrl">the series' absolute …/series/{uid}/pixeldata URL</param>
    public static async Task<Times> MeasureAsync(HttpClient http, IBrowserContext context, IPage page, string baseUrl, string pixelDataUrl)
    {
        await Machine.QuietAsync(TimeSpan.FromSeconds(10));
        var watch = Stopwatch.StartNew();
        using (var streamed = await http.GetAsync(pixelDataUrl, HttpCompletionOption.ResponseHeadersRead))
        {
            streamed.EnsureSuccessStatusCode();
            await (await streamed.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }

        var byHttp = watch.Elapsed.TotalMilliseconds;
        await Machine.QuietAsync(TimeSpan.FromSeconds(10));
        var onPage = await page.EvaluateAsync<double>(ReadScript, pixelDataUrl);
        await Machine.QuietAsync(TimeSpan.FromSeconds(10));
        var inWorker = await page.EvaluateAsync<System.Text.Json.JsonElement>(WorkerScript, pixelDataUrl);
        var blank = await context.NewPageAsync();
        try
        {
            await blank.GotoAsync($"{baseUrl}/viewer/THIRD-PARTY-NOTICES.txt");
            await Machine.QuietAsync(TimeSpan.FromSeconds(10));
            var onBlank = await blank.EvaluateAsync<double>(ReadScript, pixelDataUrl);
            return new Times(byHttp, onPage, onBlank, inWorker.GetProperty("ms").GetDouble(), inWorker.GetProperty("frames").GetInt32());
        }
        finally
        {
            await blank.CloseAsync();
        }
    }
}
