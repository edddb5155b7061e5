using System.Globalization;
using System.Net;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Web;

/// <summary>
/// Guessing passwords is slowed per address, not only per account, and a failed sign-in costs as much for a user name
/// that does not exist as for one that does (OWASP ASVS V6.3). Each test signs in from its own loopback address.
/// </summary>
public sealed class SignInThrottlingTests(SignInThrottlingTests.App app) : IClassFixture<SignInThrottlingTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public App()
        {
            Portal = new PortalApp(
                settings: new Dictionary<string, string?> { ["Security:SignInAttemptLimit"] = new SecuritySettings().SignInAttemptLimit.ToString(CultureInfo.InvariantCulture) },
                services: services => services.AddScoped<IPasswordHasher<ApplicationUser>>(_ => Hasher));
        }

        public CountingPasswordHasher Hasher { get; } = new();

        public PortalApp Portal { get; }

        public ValueTask InitializeAsync() => Portal.InitializeAsync();

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    [Fact]
    public async Task AFailedSignIn_ChecksAPasswordHash_WhetherOrNotTheUserExists()
    {
        using var client = PortalHttp.Client(app.Portal.BaseUrl, "127.0.0.5");

        var beforeUnknown = app.Hasher.Verifications;
        using var unknown = await PortalHttp.SignInAsync(client, "nobody.at.all", "wrong-password-00", TestContext.Current.CancellationToken);
        var afterUnknown = app.Hasher.Verifications;
        using var known = await PortalHttp.SignInAsync(client, DemoUsers.ClerkNvh.UserName, "wrong-password-00", TestContext.Current.CancellationToken);
        var afterKnown = app.Hasher.Verifications;

        Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(1, afterUnknown - beforeUnknown);
        Assert.Equal(1, afterKnown - afterUnknown);
    }

    [Fact]
    public void TheDefaultLimit_IsTenAttemptsAMinute()
    {
        var settings = new SecuritySettings();

        Assert.Equal(10, settings.SignInAttemptLimit);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.SignInAttemptWindow);
    }

    [Fact]
    public async Task TheEleventhAttemptInAMinute_FromOneAddress_IsRefused_WhileAnotherAddressMayTry()
    {
        using var attacker = PortalHttp.Client(app.Portal.BaseUrl, "127.0.0.2");
        using var colleague = PortalHttp.Client(app.Portal.BaseUrl, "127.0.0.3");

        for (var attempt = 1; attempt <= 10; attempt++)
        {
            using var failed = await PortalHttp.SignInAsync(attacker, "nobody.at.all", $"wrong-password-{attempt:00}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
            Assert.Contains("Sign-in failed", await failed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        using var refused = await PortalHttp.SignInAsync(attacker, DemoUsers.ClerkSbr.UserName, DemoUsers.ClerkSbr.Password, TestContext.Current.CancellationToken);
        using var allowed = await PortalHttp.SignInAsync(colleague, DemoUsers.ClerkSbr.UserName, DemoUsers.ClerkSbr.Password, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains(
            "Too many sign-in attempts from your address; try again in a minute.",
            await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.Redirect, allowed.StatusCode);
        var alerts = await app.Portal.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().AuditEvents
            .Where(e => e.Type == AuditEventType.SecurityAlert && e.Address == "127.0.0.2")
            .ToListAsync(TestContext.Current.CancellationToken));
        Assert.Contains(alerts, a => a.Description.Contains("too many sign-in attempts", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The real hasher, counting how often a password is checked against a hash.</summary>
    public sealed class CountingPasswordHasher : IPasswordHasher<ApplicationUser>
    {
        private readonly PasswordHasher<ApplicationUser> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(ApplicationUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(ApplicationUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
