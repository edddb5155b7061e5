using ImagePortal.Tests.Support;
using Microsoft.Playwright;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright (never a downloaded browser), headless, with the flags this machine's
/// closed network needs. One browser per test class; each test opens its own context (cookies, storage).
/// </summary>
public sealed class BrowserFixture() : BrowserFixtureBase(null);

/// <summary>A browser on a portal started with <paramref name="settings"/> on top of its appsettings.json.</summary>
/// <param name="ports">Ports the portal binds itself (demo PACS, Storage SCP), picked and retried (<see cref="PortRetry"/>).</param>
public abstract class BrowserFixtureBase(IReadOnlyDictionary<string, string?>? settings, PortalPorts? ports = null) : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public PortalApp App { get; } = new(startServer: true, WithDefaults(settings), ports: ports);

    /// <summary>
    /// A test ends by closing its browser context, which closes its pages without their unload event, so Blazor sends no
    /// disconnect and the server keeps each page's circuit for Authentication:DisconnectedCircuitRetention (3 min), counted
    /// against the user's live-page limit. A class of twenty tests as one user would hit the default five within minutes;
    /// so the browser tests allow more, unless a class sets its own (CircuitLimitTests, which tests the limit itself).
    /// </summary>
    private static Dictionary<string, string?> WithDefaults(IReadOnlyDictionary<string, string?>? settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Authentication:MaxCircuitsPerUser"] = "100" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return all;
    }

    public async ValueTask InitializeAsync()
    {
        await App.InitializeAsync();
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await LaunchAsync(_playwright);
    }

    /// <summary>Debian's Chromium, headless, with the flags this machine's closed network needs.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ExternalTools.RequireFile(ChromiumPath, "chromium");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    /// <summary>A fresh browser context (its own cookies) on the portal; skips (fails on CI) without Chromium.</summary>
    public async Task<IBrowserContext> NewContextAsync(IEnumerable<Cookie>? cookies = null)
    {
        ExternalTools.RequireFile(ChromiumPath, "chromium");
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl });
        context.SetDefaultTimeout(15_000);
        // Expectations wait as long as actions: on a loaded CI machine a Blazor round trip can take longer than
        // Playwright's 5 s default, and an expectation that polls costs nothing when the page is quick.
        Assertions.SetDefaultExpectTimeout(15_000);
        if (cookies is not null)
        {
            await context.AddCookiesAsync(cookies);
        }

        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        await App.DisposeAsync();
    }
}
