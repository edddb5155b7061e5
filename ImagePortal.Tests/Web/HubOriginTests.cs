using System.Net;
using System.Net.WebSockets;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Web;

/// <summary>
/// A page on another site must not open a circuit with the user's cookie (RELIABILITY_CHECKLIST 26): WebSockets are not
/// bound by CORS, so the hub itself checks Origin.
/// </summary>
public sealed class HubOriginTests(HubOriginTests.App app) : IClassFixture<HubOriginTests.App>
{
    private const string Evil = "https://evil.example";

    public sealed class App() : IAsyncLifetime
    {
        public PortalApp Portal { get; } = new();

        public CookieContainer Cookies { get; } = new();

        public async ValueTask InitializeAsync()
        {
            await Portal.InitializeAsync();
            using var client = PortalHttp.Client(Portal.BaseUrl, cookies: Cookies);
            using var signedIn = await PortalHttp.SignInAsync(client, DemoUsers.ClerkNvh.UserName, DemoUsers.ClerkNvh.Password, CancellationToken.None);
            Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        }

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    [Fact]
    public async Task WebSocket_FromAnotherOrigin_IsRefused_AndAlerted()
    {
        using var socket = Socket(Evil);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(HubUri(), TestContext.Current.CancellationToken));

        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);
        Assert.NotNull(refused);
        var alerts = await app.Portal.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().AuditEvents
            .Where(e => e.Type == AuditEventType.SecurityAlert && e.Description.Contains("evil.example"))
            .ToListAsync(TestContext.Current.CancellationToken));
        Assert.NotEmpty(alerts);
        Assert.Contains(alerts, a => a.UserName == DemoUsers.ClerkNvh.UserName && a.Address == "127.0.0.1");
    }

    [Fact]
    public async Task WebSocket_FromThePortalsOwnOrigin_IsAccepted()
    {
        using var socket = Socket(app.Portal.BaseUrl);

        await socket.ConnectAsync(HubUri(), TestContext.Current.CancellationToken);

        Assert.Equal(WebSocketState.Open, socket.State);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(Evil, HttpStatusCode.Forbidden)]
    [InlineData("null", HttpStatusCode.Forbidden)]
    [InlineData(null, HttpStatusCode.OK)]
    public async Task Negotiate_ChecksTheOrigin(string? origin, HttpStatusCode expected)
    {
        using var client = PortalHttp.Client(app.Portal.BaseUrl, cookies: app.Cookies);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Negotiate_FromThePortalsOwnOrigin_IsAccepted()
    {
        using var client = PortalHttp.Client(app.Portal.BaseUrl, cookies: app.Cookies);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        request.Headers.Add("Origin", app.Portal.BaseUrl);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private ClientWebSocket Socket(string origin)
    {
        var socket = new ClientWebSocket();
        socket.Options.Cookies = app.Cookies;
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", origin);
        return socket;
    }

    private Uri HubUri() => new(app.Portal.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/_blazor");
}
