using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Web;

/// <summary>RELIABILITY_CHECKLIST 28: an insecure configuration stops the app at start, with the reason.</summary>
public sealed class ConfigurationChecksTests
{
    [Theory]
    [InlineData("DetailedErrors", "true", "DetailedErrors is on")]
    [InlineData("Authentication:MaxFailedAccessAttempts", "0", "lockout must be on")]
    [InlineData("Authentication:IdleTimeout", "00:00:00", "positive idle timeout")]
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
}
