using System.Text;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Infrastructure.Seed;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Demo;

/// <summary>
/// First-run experience, so a newcomer can sign in without reading anything first: once the app listens, the console
/// shows where to open it and the demo sign-ins, and once the demo PACS listen, where they are. Written to the console,
/// never to the logs: the demo passwords must not end up in a log collector.
/// </summary>
public sealed class DemoWelcome(
    IOptions<DemoOptions> demo,
    IOptions<SeedOptions> seed,
    IServer server,
    IHostApplicationLifetime lifetime,
    DemoNetwork network) : IHostedService
{
    private CancellationTokenRegistration _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (demo.Value.Enabled)
        {
            _registration = lifetime.ApplicationStarted.Register(() => _ = WelcomeAsync());
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _registration.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The banner: the URLs, then one line per demo user with role, facility and password.</summary>
    public static string Format(IEnumerable<string> urls, IEnumerable<SeedUser> users)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("ImagePortal demo network is running. Open:");
        foreach (var url in urls)
        {
            text.Append("    ").AppendLine(url.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal));
        }

        text.AppendLine("Demo sign-ins (fictional people; set Demo:Enabled=false and your own Seed for a real installation):");
        text.AppendLine($"    {"user name",-16} {"password",-24} {"role",-16} facility");
        foreach (var user in users)
        {
            var facility = string.IsNullOrWhiteSpace(user.Facility) ? "network-wide" : user.Facility;
            text.AppendLine($"    {user.UserName,-16} {user.Password,-24} {string.Join(", ", user.Roles),-16} {facility}");
        }

        return text.ToString();
    }

    private async Task WelcomeAsync()
    {
        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        await Console.Out.WriteAsync(Format(urls, seed.Value.Users));
        try
        {
            var pacs = await network.Ready.WaitAsync(lifetime.ApplicationStopping);
            var lines = pacs.Select(p => $"    {p.AeTitle} at 127.0.0.1:{p.Port} ({p.FacilityCode}, {p.Instances} images)");
            await Console.Out.WriteLineAsync("Demo PACS (C-ECHO, C-FIND, C-MOVE, C-GET, C-STORE; any calling AE):" + Environment.NewLine + string.Join(Environment.NewLine, lines));
        }
        catch (Exception)
        {
            await Console.Out.WriteLineAsync("The demo PACS did not start; see the log.");
        }
    }
}
