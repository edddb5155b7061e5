using Bunit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;

namespace ImagePortal.Tests.Components;

/// <summary>The layout's activity reporter, when the person leaves before the browser answered its one JS call.</summary>
public sealed class UserActivityReporterTests : BunitContext
{
    [Fact]
    public void APageLeftBeforeTheBrowserAnswered_FailsNothing()
    {
        Services.AddSingleton(new CircuitActivity(TimeProvider.System));
        Services.AddSingleton<IOptionsMonitor<AuthenticationSettings>>(new FixedOptionsMonitor<AuthenticationSettings>(new AuthenticationSettings()));
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        var watch = JSInterop.SetupVoid("imagePortalSession.watchActivity", _ => true);
        watch.SetException(new JSDisconnectedException("The circuit is gone."));

        Render<UserActivityReporter>();

        JSInterop.VerifyInvoke("imagePortalSession.watchActivity");
    }
}
