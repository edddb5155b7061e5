using System.Net;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Security;

namespace ImagePortal.Tests.Web;

/// <summary>What every response says about itself (RELIABILITY_CHECKLIST 26, 19).</summary>
public sealed class HttpSecurityTests(HttpSecurityTests.App app) : IClassFixture<HttpSecurityTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public PortalApp Portal { get; } = new(startServer: false);

        public ValueTask InitializeAsync() => Portal.InitializeAsync();

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    [Fact]
    public async Task SignInPage_CarriesTheSecurityHeaders()
    {
        using var client = app.Portal.CreateClient();

        using var response = await client.GetAsync("/Account/Login", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SecurityHeadersMiddleware.ContentSecurityPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("frame-ancestors 'none'", SecurityHeadersMiddleware.ContentSecurityPolicy);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task HttpsResponses_CarryHsts_OutsideDevelopment()
    {
        using var client = app.Portal.CreateClient();
        // HSTS is never sent to localhost (ASP.NET Core excludes it), so ask as the real host name would.
        client.BaseAddress = new Uri("https://portal.example");

        using var response = await client.GetAsync("/Account/Login", TestContext.Current.CancellationToken);

        Assert.StartsWith("max-age=31536000", response.Headers.GetValues("Strict-Transport-Security").Single());
    }

    [Fact]
    public async Task Cookies_AreHttpOnlyAndSameSiteStrict()
    {
        using var client = app.Portal.CreateClient();

        using var response = await client.GetAsync("/Account/Login", TestContext.Current.CancellationToken);

        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("httponly", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task EveryCookie_IsSecure_OverHttps()
    {
        using var client = app.Portal.CreateClient();
        client.BaseAddress = new Uri("https://portal.example");

        using var page = await client.GetAsync("/Account/Login", TestContext.Current.CancellationToken);
        using var signedIn = await PortalHttp.SignInAsync(client, DemoUsers.ClerkNvh.UserName, DemoUsers.ClerkNvh.Password, TestContext.Current.CancellationToken);

        var cookies = page.Headers.GetValues("Set-Cookie").Concat(signedIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains(cookies, c => c.StartsWith("ImagePortal.Session=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task EveryCookie_IsSecure_EvenOverHttp_WhenThePortalIsConfiguredForHttps()
    {
        // Behind a proxy that ends TLS the portal may see plain HTTP; a browser must still never send the cookies in clear.
        await using var portal = new PortalApp(startServer: false, settings: new Dictionary<string, string?> { ["Https:Redirect"] = "true" });
        await portal.InitializeAsync();
        using var client = portal.CreateClient();

        using var response = await client.GetAsync("/Account/Login", TestContext.Current.CancellationToken);

        var antiforgery = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Health_ReportsTheDatabaseReachable_WithoutSigningIn()
    {
        using var client = app.Portal.CreateClient();

        var body = await client.GetStringAsync("/health", TestContext.Current.CancellationToken);

        Assert.Equal("Healthy", body);
    }

    [Fact]
    public async Task Pages_RedirectAnonymousUsersToSignIn_WithALocalReturnUrl()
    {
        using var client = app.Portal.CreateClient();

        using var response = await client.GetAsync("/admin/facilities", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.AbsolutePath);
        Assert.Contains("ReturnUrl=%2Fadmin%2Ffacilities", response.Headers.Location.Query);
    }

    [Fact]
    public async Task UnknownAddresses_TellAnonymousCallersNothing_ButToSignIn()
    {
        using var client = app.Portal.CreateClient();

        using var response = await client.GetAsync("/requests/REQ-2026-999999", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.AbsolutePath);
    }
}
