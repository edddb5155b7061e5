using System.Text.Json;
using Microsoft.Playwright;

/// <summary>
/// A Chrome trace of the whole browser (every process and thread) over the browser's own DevTools protocol: the events
/// the timeline records (tasks, scripts, workers' messages, network), written as a JSON array for bench/trace-summary.py.
/// </summary>
internal sealed class ChromeTrace
{
    private const string Categories =
        "toplevel,devtools.timeline,v8.execute,v8,disabled-by-default-v8.compile,blink,loading,netlog,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.frame";

    private readonly ICDPSession _session;
    private readonly List<JsonElement> _events = [];
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChromeTrace(ICDPSession session)
    {
        _session = session;
        _session.Event("Tracing.dataCollected").OnEvent += (_, data) =>
        {
            if (data is { } value && value.TryGetProperty("value", out var events))
            {
                lock (_events)
                {
                    foreach (var e in events.EnumerateArray())
                    {
                        _events.Add(e.Clone());
                    }
                }
            }
        };
        _session.Event("Tracing.tracingComplete").OnEvent += (_, _) => _complete.TrySetResult();
    }

    public static async Task<ChromeTrace> StartAsync(IBrowser browser) => await StartAsync(await browser.NewBrowserCDPSessionAsync());

    /// <summary>Over <paramref name="session"/>: the browser's own session, or a page's (a persistent profile's browser has
    /// no browser session to ask for; a page's traces the same processes).</summary>
    public static async Task<ChromeTrace> StartAsync(ICDPSession session)
    {
        var trace = new ChromeTrace(session);
        await trace._session.SendAsync("Tracing.start", new Dictionary<string, object>
        {
            ["categories"] = Categories,
            ["transferMode"] = "ReportEvents",
        });
        return trace;
    }

    public async Task StopAsync(string path)
    {
        await _session.SendAsync("Tracing.end");
        await _complete.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await using var file = File.Create(path);
        lock (_events)
        {
            JsonSerializer.Serialize(file, _events);
        }
    }
}
