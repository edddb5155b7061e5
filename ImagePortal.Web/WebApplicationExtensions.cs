using ImagePortal.Web.Components;
using ImagePortal.Web.Components.Account;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Viewing;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace ImagePortal.Web;

public static class WebApplicationExtensions
{
    /// <summary>The request pipeline, in order.</summary>
    public static WebApplication UseImagePortal(this WebApplication app)
    {
        // First: everything after it (HTTPS redirection, cookies, the sign-in limit, the audit trail) sees the client.
        ForwardedHeaders.Use(app, app.Configuration.GetSection(SecuritySettings.SectionName).Get<SecuritySettings>() ?? new SecuritySettings());
        if (!app.Environment.IsDevelopment())
        {
            // A friendly page with a reference number; never a stack trace.
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        if (app.Configuration.GetValue("Https:Redirect", false))
        {
            app.UseHttpsRedirection();
        }

        app.UseRateLimiter();
        app.UseCookiePolicy();
        app.UseAuthentication();
        app.UseMiddleware<CurrentUserMiddleware>();
        app.UseMiddleware<HubOriginMiddleware>();
        app.UseMiddleware<TwoFactorRequirementMiddleware>();
        app.UseAuthorization();
        app.UseAntiforgery();

        // Before the static files: their own headers are set when they are sent, and this one replaces their Cache-Control.
        app.UseMiddleware<ViewerScriptCaching>();
        app.MapStaticAssets().AllowAnonymous();
        app.MapHealthChecks("/health", new HealthCheckOptions()).AllowAnonymous();
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode();
        app.MapIdentityEndpoints();
        app.MapAuditorExports();
        app.MapDicomWeb();
        return app;
    }
}
