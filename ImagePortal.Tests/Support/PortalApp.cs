using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Security;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Support;

/// <summary>
/// The real portal (Program.cs, real Kestrel on a 127.0.0.1 port the OS gives) on a fresh SQLite database in a temp folder,
/// seeded with the demo network from appsettings.json (its demo PACS off unless the settings turn them on). One per test class.
/// </summary>
/// <param name="services">Replaces services after the portal registered its own (a test's fault injection).</param>
/// <param name="environment">The host environment; the suite runs the portal as it would be deployed, in Production.</param>
/// <param name="ports">Ports the portal binds itself (its Storage SCP, the demo PACS): picked and retried by <see cref="PortRetry"/>.</param>
public sealed class PortalApp(
    bool startServer = true, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
    string environment = "Production", PortalPorts? ports = null)
    : IAsyncLifetime
{
    private readonly TempDirectory _data = new("portal-app");
    private PortalFactory? _factory;

    public PortalApp()
        : this(startServer: true)
    {
    }

    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>The ports of <see cref="PortalPorts"/> the portal started on (empty without them).</summary>
    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>An HTTP client on the in-memory test server (only when not started on Kestrel).</summary>
    public HttpClient CreateClient(bool followRedirects = false) =>
        _factory!.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });

    public IServiceProvider Services => _factory?.Services ?? throw new InvalidOperationException("The app has not started.");

    public async ValueTask InitializeAsync()
    {
        if (ports is null)
        {
            Start(settings, _data.Path);
            return;
        }

        var attempt = 0;
        Ports = await PortRetry.StartAsync("The portal", ports.Count, async (picked, ct) =>
        {
            // A fresh database for each attempt: a failed start may have left its first one half seeded.
            var folder = attempt++ == 0 ? _data.Path : Directory.CreateDirectory(_data.Combine($"attempt{attempt}")).FullName;
            var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
            foreach (var (key, value) in ports.Settings(picked))
            {
                all[key] = value;
            }

            try
            {
                Start(all, folder);
                if (ports.Started is { } started)
                {
                    await started(this, ct);
                }

                return picked;
            }
            catch
            {
                await StopAsync();
                throw;
            }
        }, TestContext.Current.CancellationToken, ports.Pick);
    }

    private void Start(IReadOnlyDictionary<string, string?>? values, string dataDirectory)
    {
        // Port 0: Kestrel takes a port the OS gives, which no other test can take between choosing and listening.
        _factory = new PortalFactory(dataDirectory, "http://127.0.0.1:0", values, services, environment);
        if (startServer)
        {
            _factory.UseKestrel();
            _factory.StartServer();
            var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            BaseUrl = addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)).TrimEnd('/');
        }
        else
        {
            // Without Kestrel the app runs on the in-memory test server (enough for use cases and HTTP checks).
            BaseUrl = _factory.Server.BaseAddress.ToString().TrimEnd('/');
        }
    }

    private async Task StopAsync()
    {
        if (_factory is { } factory)
        {
            _factory = null;
            await factory.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception ex)
        {
            // A fixture's clean-up failure reaches the test log as a bare "TestPipelineException"; say what failed.
            await Console.Error.WriteLineAsync($"Stopping the portal under test failed: {ex}");
            throw new InvalidOperationException($"Stopping the portal under test failed: {ex}", ex);
        }
        finally
        {
            _data.Dispose();
        }
    }

    /// <summary>Runs <paramref name="work"/> in a scope of the running app's services (to check what the database holds).</summary>
    public async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    /// <summary>Runs a use case in the running app as <paramref name="userName"/> (another user acting while a browser watches).</summary>
    public Task<TResponse> CommandAsync<TResponse>(string userName, ICommand<TResponse> command) =>
        InScopeAsync(async provider =>
        {
            var users = provider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
            var principal = await provider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
            provider.GetRequiredService<CurrentUser>().Set(principal, "127.0.0.1");
            return await provider.GetRequiredService<IMediator>().Send(command, TestContext.Current.CancellationToken);
        });

    /// <summary>Runs a query in the running app as <paramref name="userName"/>.</summary>
    public Task<TResponse> QueryAsync<TResponse>(string userName, IQuery<TResponse> query) =>
        InScopeAsync(async provider =>
        {
            var users = provider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
            var principal = await provider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
            provider.GetRequiredService<CurrentUser>().Set(principal, "127.0.0.1");
            return await provider.GetRequiredService<IMediator>().Send(query, TestContext.Current.CancellationToken);
        });

    private sealed class PortalFactory(
        string dataDirectory, string url, IReadOnlyDictionary<string, string?>? settings, Action<IServiceCollection>? services,
        string environment)
        : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            // Outside Development the build output (not a publish folder) needs this to find wwwroot and packages' assets.
            builder.UseStaticWebAssets();
            builder.UseUrls(url);
            // UseSetting, not ConfigureAppConfiguration: Program.cs reads some values while it builds the app, before
            // configuration callbacks of the factory would apply.
            var values = new Dictionary<string, string?>
            {
                ["ConnectionStrings:ImagePortal"] = $"Data Source={Path.Combine(dataDirectory, "portal.db")}",
                ["Storage:DataDirectory"] = dataDirectory,
                [$"{DatabaseOptions.SectionName}:Provider"] = "Sqlite",
                ["Logging:LogLevel:Default"] = "Warning",
                // The demo PACS listen on fixed ports, which would collide between test classes running in
                // parallel; a test that wants them turns them on with free ports (DemoNetworkTests).
                ["Demo:Enabled"] = "false",

                // The suite runs in Production and signs in as the demo seed's users, whose published passwords stop a
                // Production start; this is the documented opt-in for such a server (ConfigurationChecksTests turns it off).
                ["Demo:AllowOutsideDevelopment"] = "true",

                // Retrieval workers and the Storage SCP only where a test asks for them: elsewhere an approval
                // would start pulling from PACS nodes that are not there, and parallel test classes would share a port.
                ["Portal:Role"] = "web",
                ["Dicom:Port"] = "0",
                // A lone web node on its own SQLite file has no other node to hear from; the fixtures that run several
                // processes on one database turn the change feed on (SharedDatabaseFixture).
                ["ChangeFeed:Enabled"] = "false",

                // The scheduled verification would move the checkpoint an auditor's check starts from, and raise alerts of
                // its own in tests that tamper with the trail; AuditVerificationServiceTests turn it on.
                ["Audit:VerifyInterval"] = "00:00:00",

                // Browser tests sign in many times from 127.0.0.1 within a minute; SignInThrottlingTests sets the real limit.
                ["Security:SignInAttemptLimit"] = "1000",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                values[key] = value;
            }

            foreach (var (key, value) in values)
            {
                builder.UseSetting(key, value);
            }

            // Every query the portal compiles is also translated by the other providers: SQL Server's (no test here can run
            // one), and PostgreSQL's for a test on SQLite.
            builder.ConfigureTestServices(services =>
            {
                services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(ShadowTranslation.Instance));
                services.ConfigureDbContext<PostgreSqlImagePortalDbContext>(options => options.AddInterceptors(ShadowTranslation.Instance));
            });
            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        }
    }
}
