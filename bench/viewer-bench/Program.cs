// The browser and database side of bench/viewer.sh (issue 17). The portal runs as its own published process; this helper
// files one approved request per study (SBR, the approver's facility, holds the images; no retrieval job, nothing is
// imported), signs in as approver.sbr in Debian's Chromium (Playwright, headless) and opens each study in the viewer,
// timing in the page itself (performance.now() from the navigation's start):
//   first_s     the first image on screen, however drawn: the page's early canvas (firstImage.js: in the page, drawn, not
//               uniform), or Cornerstone's (the viewer says which image it shows, and its canvas is not uniform)
//   first_cs_s  the first image on Cornerstone's canvas (as first_s measured it before the early canvas)
//   metadata_s  the end of the series' WADO-RS metadata call (the portal answers it once every instance is in its disk cache)
//   cached_s    every slice loaded and decoded into the viewer's cache by its own prefetch, started after the first image
//   stream_end_s  the series' frames all received by the viewer's stream (one WADO-RS Series Pixel Data call), not yet decoded
//   scroll_s    then every slice shown once by the viewer itself, one after the other (handle.scroll(1), from its cache)
//   frames_s    every slice's frame fetched by the page, six at a time (a browser's connections per host): what a viewer that
//               prefetches the stack would wait for; the bytes are read, not decoded (with the portal's CPU time per frame,
//               which a loaded machine changes less than it changes the clock)
//   frames_http_s  the same frames fetched again by plain HTTP from the bench, six at a time (the portal's side alone)
//   stream_page_s, stream_blank_s, stream_worker_s  the same call from the browser, after the view (SeriesStream.cs): read
//                  and dropped on the viewer's page, on a page that runs nothing, and read and cut into frames by the
//                  viewer's frames worker (how many: stream_worker_frames)
//   stream_http_s  the series' frames in one streamed call (what the viewer's stream asks) by plain HTTP from the bench,
//               from the portal's cache: the portal's side of the stream alone
//   floor_s     the browser's floor: the same page bytes (what frames_s read) streamed to a page of this browser in one
//               response from memory by a bare server here (no DICOM, no portal, nothing decoded or drawn), as fast as
//               Chromium takes bytes in on this machine
//   alone_s     with a second study per run (same size, not cached, not viewed): its series' metadata asked by plain HTTP
//               from the bench, with no browser at work: the portal's C-FIND and C-GET of the series into its disk cache
//               alone, to set beside getscu's time for the same bytes
//   probe_remembered  whether Cornerstone found its probe of the browser's WebGL texture formats remembered (local
//               storage) from an earlier page: a browser that has opened the viewer before skips the probe
// and sampling the portal's resident memory. It prints one line of key=value pairs per study for the script.
//
//   viewer-bench <portal.db> <base url> <portal pid> <study UID>[,<UID>...] [<second study UID>[,<UID>...]]
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

if (args.Length is not (4 or 5))
{
    Console.Error.WriteLine("usage: viewer-bench <portal.db> <base url> <portal pid> <study UID>[,<UID>...] [<second study UID>[,<UID>...]]");
    return 2;
}

var database = args[0];
var baseUrl = args[1].TrimEnd('/');
var portalPid = int.Parse(args[2], CultureInfo.InvariantCulture);
var studyUids = args[3].Split(',', StringSplitOptions.RemoveEmptyEntries);
var aloneUids = args.Length == 5 ? args[4].Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
const string GeneratedPatientId = "BENCH-1"; // what bench/dicom-net-gen.py writes

var options = new DbContextOptionsBuilder<SqliteImagePortalDbContext>().UseSqlite($"Data Source={database};Default Timeout=30").Options;
var firstNumber = Random.Shared.Next(100000, 999999 - studyUids.Length);
var numbers = studyUids.Select((_, i) => $"VIEW-{firstNumber + i}").ToArray();
await using (var db = new SqliteImagePortalDbContext(options))
{
    var requesting = await db.Facilities.SingleAsync(f => f.Code == "NVH");
    var source = await db.Facilities.SingleAsync(f => f.Code == "SBR");
    var clerk = await db.Users.Where(u => u.UserName == "clerk.nvh").Select(u => u.Id).SingleAsync();
    var approver = await db.Users.Where(u => u.UserName == "approver.sbr").Select(u => u.Id).SingleAsync();
    var now = DateTimeOffset.UtcNow;
    for (var i = 0; i < studyUids.Length; i++)
    {
        var request = ImageRequest.Submit(
            numbers[i], requesting.Id, source.Id,
            new PatientDetails("Benchmark", "Viewer", null, PatientSex.Unknown, null, "MRN-BENCH-0300"),
            new RequestScope(["CT"], null, null, null, null), "bench/viewer.sh", RequestPriority.Routine, now.AddDays(1), clerk, now);
        request.Claim(approver, now);
        var studies = new[] { studyUids[i] }.Concat(aloneUids.Skip(i).Take(1))
            .Select(uid => new RequestedStudy(uid, null, "CT", null, null, null, new SourcePatient(GeneratedPatientId, null, null, null))).ToList();
        request.Approve(approver, studies, now);
        db.ImageRequests.Add(request);
    }

    await db.SaveChangesAsync();
}

using var playwright = await Playwright.CreateAsync();
string[] chromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];
// VIEWER_BROWSER_PROFILE=<folder>: the browser keeps its profile there (HTTP cache, compiled scripts, local storage) from one
// run of this helper to the next, as a workstation's browser that has opened the viewer before; else every run is a
// browser that never has (a fresh, in-memory context).
var profileFolder = Environment.GetEnvironmentVariable("VIEWER_BROWSER_PROFILE");
// VIEWER_BROWSER_CDP=<url>: a Chromium already running (bench/viewer.sh starts one for the whole bench), its profile's
// context used, as a workstation's browser that stays open; the browser outlives this helper.
var runningBrowser = Environment.GetEnvironmentVariable("VIEWER_BROWSER_CDP");
IBrowser? browser = null;
IBrowser? connected = null;
IBrowserContext context;
if (runningBrowser is { Length: > 0 })
{
    connected = await playwright.Chromium.ConnectOverCDPAsync(runningBrowser);
    context = connected.Contexts[0];
    await context.ClearCookiesAsync();
}
else if (profileFolder is { Length: > 0 })
{
    context = await playwright.Chromium.LaunchPersistentContextAsync(profileFolder, new BrowserTypeLaunchPersistentContextOptions
    {
        ExecutablePath = "/usr/bin/chromium", Headless = true, Args = chromiumArgs, BaseURL = baseUrl,
    });
    // Signed out (the last run's session cookie), the rest of the profile kept.
    await context.ClearCookiesAsync();
}
else
{
    browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = chromiumArgs });
    context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
}

await using var closingBrowser = browser;
// A running browser's context is its own (closing it would close the browser's pages); this helper only disconnects.
await using var closingContext = connected is null ? context : null;
await using var disconnecting = connected;
context.SetDefaultTimeout(120_000);
// Before any of the page's scripts: remember the metadata answer (the frames' URLs come from it) and when it ended.
await context.AddInitScriptAsync("""
    (() => {
      // The viewer's first image no longer waits for the series' metadata: whoever asks for it waits for its answer.
      const bench = window.__bench = { metadataEnd: null, metadataUrl: null };
      // Whether Cornerstone's probe of this browser's WebGL texture formats was remembered from an earlier page.
      try { bench.probeRemembered = localStorage.getItem('cornerstone3D.renderingCapabilities') !== null; } catch { bench.probeRemembered = false; }
      bench.metadata = new Promise(resolve => { bench.resolveMetadata = resolve; });
      const original = window.fetch;
      window.fetch = async (...args) => {
        const response = await original(...args);
        const url = String(args[0]?.url ?? args[0]);
        // The whole series' metadata (not one instance's, which the viewer asks first for its first image).
        if (/\/series\/[^/]+\/metadata$/.test(new URL(url, location.href).pathname) && response.ok) {
          bench.metadataUrl = new URL(url, location.href).href;
          response.clone().json().then(json => { bench.metadataEnd = performance.now(); bench.resolveMetadata(json); });
        }
        return response;
      };
    })();
    """);
// A running browser's one tab, from one helper to the next, as a workstation's tab goes from page to page (a new tab's
// first view of the viewer parses Cornerstone's 3 MB again: V8's code cache is not taken there, measured); else a new one.
var page = connected is not null && context.Pages.Count > 0 ? context.Pages[0] : await context.NewPageAsync();
await using var closingPage = new PageClosing(connected is null ? page : null);
await page.GotoAsync($"{baseUrl}/Account/Login");
await page.GetByLabel("User name").FillAsync("approver.sbr");
await page.GetByLabel("Password").FillAsync("demo-password-approver");
await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
// Signed in once the answer to the form moved the page on (not its "load" event: under a load average of 30 a signed-in
// Blazor page once did not fire it within two minutes).
await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });

for (var i = 0; i < studyUids.Length; i++)
{
    // The machine quiet first: this helper's own start (its database work, the JIT, Playwright's driver) took most of a core
    // for 2-3 s and overlapped the view on two cores, which a workstation's browser does not have beside it.
    await Machine.QuietAsync(TimeSpan.FromSeconds(10));
    var rssBefore = Machine.ResidentMegabytes(portalPid);
    var rssPeak = rssBefore;
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            rssPeak = Math.Max(rssPeak, Machine.ResidentMegabytes(portalPid));
            await Task.Delay(50, CancellationToken.None);
        }
    });
    // VIEWER_TRACE=<file>: a Chrome trace (every process and thread) from the navigation to the whole stack decoded, for
    // bench/trace-summary.py (where the browser's time goes); the tracing itself slows the page, so its times are not the run's.
    var tracePath = Environment.GetEnvironmentVariable("VIEWER_TRACE");
    var trace = tracePath is { Length: > 0 }
        ? browser is not null ? await ChromeTrace.StartAsync(browser) : await ChromeTrace.StartAsync(await page.Context.NewCDPSessionAsync(page))
        : null;
    // VIEWER_PROFILE=<file>: the page's V8 CPU profile (.cpuprofile, for DevTools or bench/profile-summary.py) over the same span.
    var profilePath = Environment.GetEnvironmentVariable("VIEWER_PROFILE");
    var profiler = profilePath is { Length: > 0 } ? await page.Context.NewCDPSessionAsync(page) : null;
    if (profiler is not null)
    {
        await profiler.SendAsync("Profiler.enable");
        await profiler.SendAsync("Profiler.setSamplingInterval", new Dictionary<string, object> { ["interval"] = 250 });
        await profiler.SendAsync("Profiler.start");
    }

    await page.GotoAsync($"{baseUrl}/requests/{numbers[i]}/viewer?study={Uri.EscapeDataString(studyUids[i])}");
    // The first image the user sees (checked as each frame starts: what the last one painted): the early script's canvas
    // (in the page, drawn, not uniform), or Cornerstone's (the viewer says which image it shows, "Image k / n", also while
    // only that image is loaded, and its canvas is not uniform); and apart, the first on Cornerstone's canvas.
    var firsts = await page.EvaluateAsync<JsonElement>("""
        () => new Promise((resolve, reject) => {
          const deadline = performance.now() + 120000;
          const lit = canvas => {
            if (!canvas?.width) return false;
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            for (let p = 4; p < data.length; p += 4) if (data[p] !== data[0]) return true;
            return false;
          };
          let any = null;
          const check = () => {
            const now = performance.now();
            const label = document.querySelector('[data-testid=viewer-slice]')?.textContent ?? '';
            const cornerstone = label.startsWith('Image') && lit(document.querySelector('[data-testid=viewer-viewport] canvas'));
            const early = document.querySelector('[data-testid=viewer-early-image]');
            if (any === null && (cornerstone || (early?.isConnected && early.dataset.drawnAt && lit(early)))) any = now;
            if (cornerstone) return resolve({ any, cornerstone: now });
            const message = document.querySelector('[data-testid=viewer-message]')?.textContent;
            if (now > deadline) return reject(new Error('no image within 120 s: ' + message));
            requestAnimationFrame(check);
          };
          check();
        })
        """);
    var first = firsts.GetProperty("any").GetDouble();
    var firstCornerstone = firsts.GetProperty("cornerstone").GetDouble();
    var metadataEnd = await page.EvaluateAsync<double>("async () => { await window.__bench.metadata; return window.__bench.metadataEnd; }");
    // The whole stack in the viewer: its own prefetch (Cornerstone's stackPrefetch, started after the first image) has
    // loaded and decoded every slice into its cache (the handle's state counts them).
    var cached = await page.EvaluateAsync<double>("""
        () => new Promise((resolve, reject) => {
          const deadline = performance.now() + 300000;
          const check = () => {
            const state = document.querySelector('[data-testid=image-viewer]').imagePortalViewer?.state();
            if (state && state.count > 0 && state.cached === state.count) return resolve(performance.now());
            if (performance.now() > deadline) return reject(new Error(`the stack was not cached within 300 s (${state?.cached}/${state?.count})`));
            setTimeout(check, 20);
          };
          check();
        })
        """);
    if (trace is not null)
    {
        await trace.StopAsync(tracePath!.Replace("{uid}", studyUids[i], StringComparison.Ordinal));
    }

    if (profiler is not null)
    {
        var profile = await profiler.SendAsync("Profiler.stop");
        await File.WriteAllTextAsync(profilePath!.Replace("{uid}", studyUids[i], StringComparison.Ordinal), profile!.Value.GetProperty("profile").GetRawText());
        await profiler.DetachAsync();
    }

    // When the series' streamed frames (WADO-RS Series Pixel Data, read in the viewer's own worker, which the page's
    // resource timings do not list) had all come: received, as against decoded (cached_s).
    var streamEnd = await page.EvaluateAsync<double?>("() => document.querySelector('[data-testid=image-viewer]').imagePortalViewer?.state().stream?.endedAt ?? null");
    // Where the time to the first image went: the page's own calls to the service, as the browser timed them.
    var steps = await page.EvaluateAsync<string>("""
        () => {
          const calls = performance.getEntriesByType('resource').filter(e => e.name.includes('/dicomweb/'));
          const at = (test) => calls.find(e => test(new URL(e.name).pathname));
          const series = at(p => p.endsWith('/series'));
          const instances = at(p => p.endsWith('/instances'));
          const one = at(p => /\/instances\/[^/]+\/metadata$/.test(p));
          const metadata = at(p => /\/series\/[^/]+\/metadata$/.test(p));
          const frame = at(p => p.includes('/frames/'));
          const pixels = at(p => p.endsWith('/pixeldata'));
          const frameCalls = calls.filter(e => new URL(e.name).pathname.includes('/frames/')).length;
          const span = e => e ? `${(e.startTime / 1000).toFixed(2)}+${((e.responseEnd - e.startTime) / 1000).toFixed(2)}` : '-';
          return `series=${span(series)} instances=${span(instances)} first_metadata=${span(one)} first_frame=${span(frame)} metadata=${span(metadata)} pixeldata=${span(pixels)} frame_calls=${frameCalls}`;
        }
        """);
    // The viewer's own scripts as the browser loaded them: start+duration (s) and how (cache: no call to the portal;
    // 304: revalidated by a call; net: fetched whole), which shows what a browser that has opened the viewer before still asks.
    var scripts = await page.EvaluateAsync<string>("""
        () => performance.getEntriesByType('resource')
          .filter(e => /\/viewer\/[^/]+\.(js|wasm)$/.test(new URL(e.name).pathname))
          .map(e => `${new URL(e.name).pathname.split('/').pop()}:${(e.startTime / 1000).toFixed(2)}+${((e.responseEnd - e.startTime) / 1000).toFixed(2)}:${e.transferSize === 0 ? 'cache' : e.encodedBodySize === 0 ? '304' : 'net'}`)
          .join(',')
        """);
    var stats = await page.EvaluateAsync<JsonElement>("""
        async () => {
          const viewer = document.querySelector('[data-testid=image-viewer]').imagePortalViewer;
          const count = viewer.state().count;
          // Every slice through the viewer (Cornerstone loads, decodes and caches it), from the first to the last.
          const scrollStart = performance.now();
          await viewer.scroll(-count);
          for (let k = 1; k < count; k++) await viewer.scroll(1);
          const scrollEnd = performance.now();
          const shown = viewer.state().index;
          return { count, shown, scroll: scrollEnd - scrollStart };
        }
        """);
    // The frames as a prefetching viewer would fetch them, six at a time, past the browser's cache.
    var cpuBeforeFrames = Machine.CpuSeconds(portalPid);
    var frames = await page.EvaluateAsync<JsonElement>("""
        async () => {
          const instances = await window.__bench.metadata;
          const base = window.__bench.metadataUrl.replace(/\/metadata$/, '');
          const urls = instances.map(i => `${base}/instances/${encodeURIComponent(i['00080018'].Value[0])}/frames/1`);
          const start = performance.now();
          let next = 0, bytes = 0;
          const worker = async () => {
            while (next < urls.length) {
              const response = await fetch(urls[next++], { cache: 'no-store', headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' } });
              if (!response.ok) throw new Error(`${response.status} for a frame`);
              // Read first, then added: "bytes += await …" reads bytes before the await and loses the other fetches' sums.
              const body = await response.arrayBuffer();
              bytes += body.byteLength;
            }
          };
          await Promise.all(Array.from({ length: 6 }, worker));
          return { frames: performance.now() - start, n: urls.length, bytes };
        }
        """);
    var cpuFrames = Machine.CpuSeconds(portalPid) - cpuBeforeFrames;
    // The same frames fetched again by plain HTTP from here (the page's session cookie, six at a time, bodies read and
    // dropped): the portal's side of "every frame fetched" without the browser's.
    var frameUrls = await page.EvaluateAsync<string[]>("""
        async () => {
          const instances = await window.__bench.metadata;
          const base = window.__bench.metadataUrl.replace(/\/metadata$/, '');
          return instances.map(i => `${base}/instances/${encodeURIComponent(i['00080018'].Value[0])}/frames/1`);
        }
        """);
    using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = await SessionCookiesAsync(), MaxConnectionsPerServer = 6 });
    var httpWatch = System.Diagnostics.Stopwatch.StartNew();
    var nextUrl = -1;
    await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
    {
        int k;
        while ((k = Interlocked.Increment(ref nextUrl)) < frameUrls.Length)
        {
            using var response = await http.GetAsync(frameUrls[k], HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await (await response.Content.ReadAsStreamAsync()).CopyToAsync(Stream.Null);
        }
    }));
    var framesHttpMs = httpWatch.Elapsed.TotalMilliseconds;
    var stream = await SeriesStream.MeasureAsync(http, context, page, baseUrl,
        frameUrls[0][..frameUrls[0].IndexOf("/instances/", StringComparison.Ordinal)] + "/pixeldata");
    var floorMs = await BrowserFloor.MeasureAsync(context, (long)frames.GetProperty("bytes").GetDouble());
    // After the view, so that its writes to the cache do not weigh on the view's own times; on a quiet machine.
    await Machine.QuietAsync(TimeSpan.FromSeconds(10));
    var aloneMs = i < aloneUids.Length ? await PortalAloneAsync(numbers[i], aloneUids[i]) : (double?)null;
    sampling.Cancel();
    await sampler;
    var rssAfter = Machine.ResidentMegabytes(portalPid);
    var count = stats.GetProperty("count").GetInt32();
    var scroll = stats.GetProperty("scroll").GetDouble();
    var framesMs = frames.GetProperty("frames").GetDouble();
    var probeRemembered = await page.EvaluateAsync<bool>("() => window.__bench.probeRemembered === true");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"study={studyUids[i]} slices={count} shown_last={stats.GetProperty("shown").GetInt32() + 1} first_s={first / 1000:F2} first_cs_s={firstCornerstone / 1000:F2} metadata_s={metadataEnd / 1000:F2} cached_s={cached / 1000:F2} stream_end_s={(streamEnd is { } end ? (end / 1000).ToString("F2", CultureInfo.InvariantCulture) : "-")} " +
        $"scroll_s={(first + scroll) / 1000:F2} scroll_only_s={scroll / 1000:F2} frames_s={(first + framesMs) / 1000:F2} frames_only_s={framesMs / 1000:F2} frames_http_s={framesHttpMs / 1000:F2} stream_http_s={stream.Http / 1000:F2} stream_page_s={stream.Page / 1000:F2} stream_worker_s={stream.Worker / 1000:F2} stream_blank_s={stream.Blank / 1000:F2} stream_worker_frames={stream.WorkerFrames} alone_s={(aloneMs is { } alone ? (alone / 1000).ToString("F2", CultureInfo.InvariantCulture) : "-")} " +
        $"frame_mb={frames.GetProperty("bytes").GetDouble() / 1e6:F1} steps_s={steps.Replace(' ', ',')} portal_cpu_ms_per_frame={cpuFrames * 1000 / Math.Max(1, frames.GetProperty("n").GetInt32()):F1} rss_before_mb={rssBefore} rss_peak_mb={rssPeak} rss_after_mb={rssAfter} floor_s={floorMs / 1000:F2} probe_remembered={(probeRemembered ? "yes" : "no")} scripts_s={(scripts.Length > 0 ? scripts : "-")}"));
}

return 0;

// The portal alone, no browser at work: the series of a study it has not cached, its metadata asked by plain HTTP (the
// signed-in page's cookies); the clock runs from the metadata call to its answer's last byte (the portal answers once
// every instance is in its disk cache). Milliseconds.
async Task<double> PortalAloneAsync(string number, string studyUid)
{
    using var client = new HttpClient(new SocketsHttpHandler { CookieContainer = await SessionCookiesAsync() }) { BaseAddress = new Uri(baseUrl) };
    var study = $"/dicomweb/requests/{number}/studies/{Uri.EscapeDataString(studyUid)}";
    using var series = JsonDocument.Parse(await client.GetStringAsync($"{study}/series"));
    var seriesUid = series.RootElement[0].GetProperty("0020000E").GetProperty("Value")[0].GetString()!;
    var watch = Stopwatch.StartNew();
    using var metadata = JsonDocument.Parse(await client.GetStringAsync($"{study}/series/{Uri.EscapeDataString(seriesUid)}/metadata"));
    var took = watch.Elapsed.TotalMilliseconds;
    if (metadata.RootElement.GetArrayLength() == 0)
    {
        throw new InvalidOperationException($"the portal gave no metadata for {studyUid}");
    }

    return took;
}

// The signed-in page's cookies, for plain HTTP calls as the same user.
async Task<System.Net.CookieContainer> SessionCookiesAsync()
{
    var jar = new System.Net.CookieContainer();
    foreach (var cookie in await context.CookiesAsync())
    {
        jar.Add(new System.Net.Cookie(cookie.Name, cookie.Value, cookie.Path, cookie.Domain));
    }

    return jar;
}

/// <summary>The helper's own tab (if it opened one), closed at its end.</summary>
internal sealed class PageClosing(IPage? page) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        if (page is { IsClosed: false })
        {
            await page.CloseAsync();
        }
    }
}
