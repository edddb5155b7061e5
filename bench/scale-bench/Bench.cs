using System.Diagnostics;
using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Security;
using Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ImagePortal.Bench.Scale;

/// <summary>
/// bench/scale.sh's helper (issue 16). Modes:
/// <c>generate DB REQUESTS AUDIT_EVENTS</c> (the portal migrates and seeds DB, then <see cref="ScaleHistory"/> fills it;
/// the audit chain key goes to DB.key and the filters' values to DB.filters);
/// <c>handlers DB RUNS</c> (every page's handler call as its user, in-process: one warm-up, then RUNS timed; prints
/// "name p50-ms max-ms");
/// <c>browser URL RUNS</c> (a portal already running on the DB: Chromium signs in as each user, then times a page load's
/// start to the page's data visible, loaded from the portal's own origin and from another site; prints "name p50-ms
/// max-ms from-another-site-p50-ms", the last row the floor: the portal's /health text loaded the same ways).
/// SCALE_PAGES (comma-separated parts of page names, as scale.sh's --pages passes it) times only the pages it names.
/// </summary>
internal static class Bench
{
    public static async Task<int> Main(string[] args)
    {
        switch (args)
        {
            case ["generate", var db, var requests, var events]:
                await GenerateAsync(Path.GetFullPath(db), int.Parse(requests, CultureInfo.InvariantCulture), long.Parse(events, CultureInfo.InvariantCulture));
                return 0;
            case ["handlers", var db, var runs]:
                return await HandlersAsync(Path.GetFullPath(db), int.Parse(runs, CultureInfo.InvariantCulture));
            case ["browser", var url, var runs]:
                return await BrowserAsync(url, int.Parse(runs, CultureInfo.InvariantCulture));
            default:
                Console.Error.WriteLine("usage: scale-bench generate DB REQUESTS AUDIT_EVENTS | handlers DB RUNS | browser URL RUNS");
                return 2;
        }
    }

    private static async Task GenerateAsync(string db, int requests, long events)
    {
        foreach (var file in new[] { db, db + "-wal", db + "-shm", db + ".key", db + ".filters" })
        {
            File.Delete(file);
        }

        var key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(AuditChainKey.MinimumLength));
        await File.WriteAllTextAsync(db + ".key", key);
        var clock = Stopwatch.StartNew();
        await using (var host = new PortalHost(db, key))
        {
            var services = host.Services; // starts the portal: migrations and the demo seed
            var history = new ScaleHistory(services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), $"Data Source={db}",
                new AuditChainKey(Convert.FromBase64String(key)));
            var summary = await history.GenerateAsync(requests, events, DateTimeOffset.UtcNow,
                line => Console.Error.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0.0} s  {line}"));
            Console.Error.WriteLine($"generated in {clock.Elapsed.TotalSeconds:0.0} s: {ScaleHistory.Describe(summary)}");
            await File.WriteAllTextAsync(db + ".filters", $"{summary.SomePatientId}\n{summary.SomeRequestNumber}\n");
        }

        SqliteConnection.ClearAllPools();
    }

    private static async Task<int> HandlersAsync(string db, int runs)
    {
        var lines = await File.ReadAllLinesAsync(db + ".filters");
        var filters = new Pages.Filters(lines[0], lines[1], "Murphy");
        await using var host = new PortalHost(db, (await File.ReadAllTextAsync(db + ".key")).Trim());
        var failed = 0;
        foreach (var page in Pages.Handlers.Where(p => Pages.Selected(p.Name)))
        {
            var times = new List<double>();
            string? problem = null;
            for (var run = page.Once ? runs : 0; run <= runs && (problem is null || IsNote(problem)); run++)
            {
                await using var scope = host.Services.CreateAsyncScope();
                var mediator = await SignInAsync(scope.ServiceProvider, page.User);
                var clock = Stopwatch.StartNew();
                problem = await page.Send(mediator, filters, CancellationToken.None);
                if (run > 0)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }
            }

            if (problem is not null && !IsNote(problem))
            {
                Console.Error.WriteLine($"{page.Name}: {problem}");
                failed++;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{page.Name}\t{Median(times):0.0}\t{times.DefaultIfEmpty().Max():0.0}\t{problem ?? string.Empty}"));
        }

        SqliteConnection.ClearAllPools();
        return failed == 0 ? 0 : 1;
    }

    /// <summary>What an export reports (its rows) is a note for the table, not a failure.</summary>
    private static bool IsNote(string text) => text.EndsWith(" rows", StringComparison.Ordinal) || text.EndsWith("truncated", StringComparison.Ordinal);

    /// <summary>The principal a sign-in puts into the cookie, as UseCaseFixture sets it for a use case.</summary>
    private static async Task<IMediator> SignInAsync(IServiceProvider provider, string userName)
    {
        var users = provider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
        var principal = await provider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
        provider.GetRequiredService<CurrentUser>().Set(principal, "127.0.0.1");
        return provider.GetRequiredService<IMediator>();
    }

    private static readonly Dictionary<string, string> Passwords = new()
    {
        [Pages.Clerk] = "demo-password-clerk",
        [Pages.Approver] = "demo-password-approver",
        [Pages.Auditor] = "demo-password-auditor",
    };

    private static async Task<int> BrowserAsync(string url, int runs)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        var signedIn = new Dictionary<string, IPage>();
        var targets = Pages.Browser.Where(p => Pages.Selected(p.Name)).ToList();
        foreach (var user in targets.Select(p => p.User).Distinct())
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = url });
            context.SetDefaultTimeout(60_000);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/Account/Login");
            await page.GetByLabel("User name").FillAsync(user);
            await page.GetByLabel("Password").FillAsync(Passwords[user]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.GetByRole(AriaRole.Heading, new() { Level = 1, NameRegex = new System.Text.RegularExpressions.Regex("Welcome") }).WaitForAsync();
            signedIn[user] = page;
        }

        // Each page is loaded in two ways, taking turns: from a document of the portal's own (its icon), as when a user
        // reloads a page or types an address while on the portal; and from another site (about:blank), as when a bookmark
        // is opened in a new tab. The portal sends Cross-Origin-Opener-Policy: same-origin, so Chromium gives the second a
        // new renderer process, which starts cold; the floor row (the portal's tiny text answer /health, loaded both ways)
        // shows what that costs any page of the portal.
        foreach (var target in targets.Count == 0 ? targets : targets.Append(Pages.Floor(targets[0].User)))
        {
            var page = signedIn[target.User];
            var fromPortal = new List<double>();
            var fromElsewhere = new List<double>();
            try
            {
                for (var run = 0; run <= runs; run++)
                {
                    var portal = await LoadAsync(page, "/favicon.png", target);
                    var elsewhere = await LoadAsync(page, "about:blank", target);
                    if (run > 0)
                    {
                        fromPortal.Add(portal);
                        fromElsewhere.Add(elsewhere);
                    }
                }
            }
            catch (TimeoutException)
            {
                // A page that shows no data in 30 s is reported, not left out; the rest are still measured.
                var shot = Path.Combine(Path.GetTempPath(), $"scale-bench-{target.Name.Replace(' ', '-').Replace(",", "")}.png");
                await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
                Console.Error.WriteLine($"{target.Name}: no data visible within 30 s ({page.Url}); screenshot {shot}");
                Console.WriteLine($"{target.Name}\t-1\t-1\tno data in 30 s");
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{target.Name}\t{Median(fromPortal):0.0}\t{fromPortal.Max():0.0}\t{Median(fromElsewhere):0.0}"));
        }

        return 0;
    }

    /// <summary>Milliseconds from the start of a page load (from the document at <paramref name="from"/>) to its data visible.</summary>
    private static async Task<double> LoadAsync(IPage page, string from, Pages.BrowserPage target)
    {
        await page.GotoAsync(from);
        var clock = Stopwatch.StartNew();
        await page.GotoAsync(target.Path, new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator(target.DataSelector).WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
        return clock.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The portal in-process (in-memory server, no workers, no demo PACS) on DB, as the tests' PortalApp runs it.</summary>
    private sealed class PortalHost(string db, string chainKey) : WebApplicationFactory<global::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            var values = new Dictionary<string, string?>
            {
                ["ConnectionStrings:ImagePortal"] = $"Data Source={db}",
                ["Storage:DataDirectory"] = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(db))!, Path.GetFileNameWithoutExtension(db) + "-data"),
                [$"{DatabaseOptions.SectionName}:Provider"] = "Sqlite",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:ImagePortal.Web.Security.ConfigurationChecks"] = "Error",
                ["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error",
                ["Demo:Enabled"] = "false",
                ["Demo:AllowOutsideDevelopment"] = "true",
                ["Portal:Role"] = "web",
                ["Dicom:Port"] = "0",
                ["Audit:ChainKey"] = chainKey,
            };
            foreach (var (name, value) in values)
            {
                builder.UseSetting(name, value);
            }
        }
    }
}
