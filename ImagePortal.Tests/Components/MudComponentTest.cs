using Bunit;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace ImagePortal.Tests.Components;

/// <summary>bUnit 2 context with MudBlazor registered once; MudBlazor's JS calls are answered loosely.</summary>
public abstract class MudComponentTest : BunitContext
{
    protected MudComponentTest()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    /// <summary>
    /// Renders pages on top of the real portal services (Mediator pipeline, SQLite with the demo network) as the given
    /// user: the portal's handlers resolve from the fallback (root) provider, so its root CurrentUser is the one that counts.
    /// </summary>
    protected async Task SignInAsync(UseCaseFixture portal, string userName)
    {
        var users = portal.Services.GetRequiredService<UserManager<ApplicationUser>>();
        var user = await users.FindByNameAsync(userName) ?? throw new InvalidOperationException($"No user {userName}.");
        var principal = await portal.Services.GetRequiredService<IUserClaimsPrincipalFactory<ApplicationUser>>().CreateAsync(user);
        portal.Services.GetRequiredService<CurrentUser>().Set(principal, "127.0.0.1");
        AddAuthorization().SetAuthorized(userName);

        // The page then runs as on a live circuit; a test of its prerendered form sets "Static" after this.
        Renderer.SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }
}
