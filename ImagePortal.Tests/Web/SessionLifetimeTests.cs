using System.Globalization;
using System.Security.Claims;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Security;

namespace ImagePortal.Tests.Web;

public sealed class SessionLifetimeTests
{
    private static readonly DateTimeOffset SignedIn = new(2026, 11, 29, 8, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal PrincipalSignedInAt(DateTimeOffset? at)
    {
        var identity = new ClaimsIdentity("test");
        if (at is { } time)
        {
            identity.AddClaim(new Claim(ImagePortalClaims.AuthenticatedAt, time.UtcTicks.ToString(CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(identity);
    }

    [Fact]
    public void ASession_LivesUntilTheAbsoluteLifetime_AndNotAfter()
    {
        var principal = PrincipalSignedInAt(SignedIn);

        Assert.False(SessionLifetime.IsExpired(principal, SignedIn.AddHours(12), TimeSpan.FromHours(12)));
        Assert.True(SessionLifetime.IsExpired(principal, SignedIn.AddHours(12).AddSeconds(1), TimeSpan.FromHours(12)));
    }

    [Fact]
    public void ATicketWithoutASignInTime_IsExpired() =>
        Assert.True(SessionLifetime.IsExpired(PrincipalSignedInAt(null), SignedIn, TimeSpan.FromHours(12)));

    [Fact]
    public void AForgedSignInTime_IsExpired()
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ImagePortalClaims.AuthenticatedAt, "soon")], "test"));

        Assert.True(SessionLifetime.IsExpired(principal, SignedIn, TimeSpan.FromHours(12)));
    }
}
