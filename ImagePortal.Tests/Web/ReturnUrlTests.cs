using ImagePortal.Web.Components.Account;

namespace ImagePortal.Tests.Web;

/// <summary>RELIABILITY_CHECKLIST 19: after sign-in, an off-site return URL is refused.</summary>
public sealed class ReturnUrlTests
{
    private const string Base = "https://portal.example/";

    [Theory]
    [InlineData("/requests/REQ-2026-000001", "/requests/REQ-2026-000001")]
    [InlineData("/", "/")]
    [InlineData("inbox?page=2", "inbox?page=2")]
    [InlineData("https://portal.example/audit", "audit")]
    [InlineData(null, "")]
    public void LocalTargets_AreFollowed(string? returnUrl, string expected) =>
        Assert.Equal(expected, IdentityRedirectManager.LocalOrHome(returnUrl, Base));

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("https://portal.example.evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("\\\\evil.example")]
    [InlineData("javascript:alert(1)")]
    [InlineData("/ok\r\nSet-Cookie: x=y")]
    public void OffSiteTargets_GoHome(string returnUrl) =>
        Assert.Equal("", IdentityRedirectManager.LocalOrHome(returnUrl, Base));
}
