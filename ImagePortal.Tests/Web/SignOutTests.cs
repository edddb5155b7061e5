using System.Net;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Web;

/// <summary>Signing out is a state change: another site must not be able to sign a user out with a forged form post.</summary>
public sealed class SignOutTests(SignOutTests.App app) : IClassFixture<SignOutTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public PortalApp Portal { get; } = new();

        public ValueTask InitializeAsync() => Portal.InitializeAsync();

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    [Fact]
    public async Task SignOut_WithoutAnAntiforgeryToken_IsRefused_AndTheUserStaysSignedIn()
    {
        using var client = await SignedInClientAsync();

        using var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent([]), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var home = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
    }

    [Fact]
    public async Task SignOut_WithThePagesToken_SignsOut()
    {
        using var client = await SignedInClientAsync();
        var token = await PortalHttp.FormTokenAsync(client, "/Account/Manage/ChangePassword", TestContext.Current.CancellationToken);

        using var response = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        using var home = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/Account/Login", home.Headers.Location!.AbsolutePath);
    }

    private async Task<HttpClient> SignedInClientAsync()
    {
        var client = PortalHttp.Client(app.Portal.BaseUrl);
        using var signedIn = await PortalHttp.SignInAsync(client, DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return client;
    }
}
