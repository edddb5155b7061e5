using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Security;
using Mediator;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Runs use cases the way a page does: through the real DI container, the Mediator pipeline (logging, authorization,
/// validation) and a real SQLite database seeded with the demo network, as a given signed-in user. Fresh per test class.
/// </summary>
public class UseCaseFixture : IAsyncLifetime
{
    private PortalApp? _app;

    /// <summary>Settings on top of appsettings.json, for fixtures that need a different portal.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>Ports the portal binds itself (its Storage SCP), for fixtures that turn such a listener on; see <see cref="PortalPorts"/>.</summary>
    protected virtual PortalPorts? Ports => null;

    /// <summary>The ports of <see cref="Ports"/> the portal started on.</summary>
    protected IReadOnlyList<int> StartedPorts => App.Ports;

    /// <summary>Services that replace the portal's own, for fixtures that inject a fault.</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public virtual async ValueTask InitializeAsync()
    {
        _app = new PortalApp(startServer: false, Settings, ConfigureServices, ports: Ports);
        await _app.InitializeAsync();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    public Task<TResponse> QueryAsync<TResponse>(string? userName, IQuery<TResponse> query) =>
        SendAsync(userName, (mediator, ct) => mediator.Send(query, ct));

    public Task<TResponse> CommandAsync<TResponse>(string? userName, ICommand<TResponse> command) =>
        SendAsync(userName, (mediator, ct) => mediator.Send(command, ct));

    /// <summary>Runs <paramref name="work"/> against the database in a fresh context.</summary>
    public async Task<T> DbAsync<T>(Func<ImagePortalDbContext, Task<T>> work)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var factory = scope.ServiceProvider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        return await work(db);
    }

    public IServiceProvider Services => App.Services;

    private PortalApp App => _app ?? throw new InvalidOperationException("The fixture has not started.");

    private async Task<TResponse> SendAsync<TResponse>(string? userName, Func<IMediator, CancellationToken, ValueTask<TResponse>> send)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        if (userName is not null)
        {
            // The same principal a sign-in would put into the cookie: Identity's claims plus the portal's.
            var users = provider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
            var principal = await provider.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
            provider.GetRequiredService<CurrentUser>().Set(principal, "127.0.0.1");
        }

        return await send(provider.GetRequiredService<IMediator>(), TestContext.Current.CancellationToken);
    }
}
