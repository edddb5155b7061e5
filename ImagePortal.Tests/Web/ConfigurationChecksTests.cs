using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Web;

/// <summary>RELIABILITY_CHECKLIST 28: an insecure configuration stops the app at start, with the reason.</summary>
public sealed class ConfigurationChecksTests
{
    [Theory]
    [InlineData("DetailedErrors", "true", "DetailedErrors is on")]
    [InlineData("Authentication:MaxFailedAccessAttempts", "0", "lockout must be on")]
    [InlineData("Authentication:IdleTimeout", "00:00:00", "positive idle timeout")]
    [InlineData("Authentication:MaxCircuitsPerUser", "0", "MaxCircuitsPerUser must be between 1 and 100")]
    [InlineData("Authentication:MaxCircuitsPerUser", "1000", "MaxCircuitsPerUser must be between 1 and 100")]
    public async Task UnsafeSettings_StopTheAppAtStart(string key, string value, string reason)
    {
        var app = new PortalApp(startServer: false, new Dictionary<string, string?> { [key] = value });
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(async () => await app.InitializeAsync());

            Assert.Contains(reason, error.GetBaseException().Message);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ShippedDemoSettings_OutsideDevelopment_StopTheAppAtStart_NamingTheSettings()
    {
        var app = new PortalApp(startServer: false, new Dictionary<string, string?>
        {
            ["Demo:Enabled"] = "true",
            ["Demo:AllowOutsideDevelopment"] = "false",
        });
        try
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(async () => await app.InitializeAsync());

            var message = error.GetBaseException().Message;
            Assert.Contains("Demo:Enabled is true outside Development", message);
            Assert.Contains("Seed:Users gives clerk.nvh", message);
            Assert.Contains("Demo:AllowOutsideDevelopment", message);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task DemoPasswords_OutsideDevelopment_WithTheOptIn_StartAndWarn()
    {
        LogCapture? log = null;
        var app = new PortalApp(
            startServer: false, new Dictionary<string, string?> { ["Demo:AllowOutsideDevelopment"] = "true" },
            services => log = LogCapture.Register(services));
        try
        {
            await app.InitializeAsync();

            var warning = Assert.Single(log!.Entries, e => e.Contains("DEMO CONFIGURATION OUTSIDE DEVELOPMENT", StringComparison.Ordinal));
            Assert.Contains("Seed:Users gives clerk.nvh", warning);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task DemoPasswords_InDevelopment_StartWithoutTheOptIn()
    {
        LogCapture? log = null;
        var app = new PortalApp(
            startServer: false, new Dictionary<string, string?> { ["Demo:AllowOutsideDevelopment"] = "false" },
            services => log = LogCapture.Register(services), environment: "Development");
        try
        {
            await app.InitializeAsync();

            Assert.DoesNotContain(log!.Entries, e => e.Contains("DEMO CONFIGURATION", StringComparison.Ordinal));
        }
        finally
        {
            await app.DisposeAsync();
        }
    }
}
