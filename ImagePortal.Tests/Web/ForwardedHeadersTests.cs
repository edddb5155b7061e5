using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Web;

/// <summary>
/// Behind a reverse proxy the audit trail names the client, not the proxy, and the per-address sign-in limit counts
/// clients; a client that forges the header itself is not believed.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BehindAKnownProxy_TheAuditTrailRecordsTheClientItForwarded()
    {
        await using var app = new PortalApp(settings: new Dictionary<string, string?> { ["Security:KnownProxies:0"] = "127.0.0.1" });
        await app.InitializeAsync();

        var recorded = await FailedSignInFromAsync(app, proxyAddress: "127.0.0.1", forwardedFor: "203.0.113.7", userName: "forwarded.probe");

        Assert.Equal("203.0.113.7", recorded);
    }

    [Fact]
    public async Task AForwardedHeaderFromAnUnknownAddress_IsNotBelieved()
    {
        await using var app = new PortalApp(settings: new Dictionary<string, string?> { ["Security:KnownProxies:0"] = "127.0.0.1" });
        await app.InitializeAsync();

        var recorded = await FailedSignInFromAsync(app, proxyAddress: "127.0.0.9", forwardedFor: "203.0.113.7", userName: "forged.probe");

        Assert.Equal("127.0.0.9", recorded);
    }

    [Fact]
    public async Task WithoutKnownProxies_NoForwardedHeaderIsBelieved()
    {
        await using var app = new PortalApp();
        await app.InitializeAsync();

        var recorded = await FailedSignInFromAsync(app, proxyAddress: "127.0.0.1", forwardedFor: "203.0.113.7", userName: "plain.probe");

        Assert.Equal("127.0.0.1", recorded);
    }

    private static async Task<string?> FailedSignInFromAsync(PortalApp app, string proxyAddress, string forwardedFor, string userName)
    {
        using var client = PortalHttp.Client(app.BaseUrl, proxyAddress);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        using var response = await PortalHttp.SignInAsync(client, userName, "not-the-password-1", Ct);

        return await app.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            return await db.AuditEvents.Where(e => e.Type == AuditEventType.UserAuthentication && e.UserName == userName)
                .Select(e => e.Address).SingleAsync(Ct);
        });
    }
}
