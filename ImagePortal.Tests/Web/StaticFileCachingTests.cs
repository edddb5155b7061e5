using System.Net;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;

namespace ImagePortal.Tests.Web;

/// <summary>
/// What a browser may keep of the portal's static files once signed in: they are public and the same for everyone, so a
/// signed-in browser must be able to cache them. The session was read (and the cookie renewed, with "no-cache, no-store")
/// for every one of them, so a signed-in browser fetched every script whole at every page, the viewer's 3.4 MB included.
/// </summary>
public sealed class StaticFileCachingTests(StaticFileCachingTests.App app) : IClassFixture<StaticFileCachingTests.App>
{
    public sealed class App() : IAsyncLifetime
    {
        public PortalApp Portal { get; } = new();

        public ValueTask InitializeAsync() => Portal.InitializeAsync();

        public ValueTask DisposeAsync() => Portal.DisposeAsync();
    }

    private static string WebRoot => Path.Combine(SourceTree.Root, "ImagePortal.Web", "wwwroot");

    /// <summary>The viewer's shared chunks, named after their content by build.mjs (chunkNames 'shared-[hash]').</summary>
    private static string[] Chunks() =>
        [.. Directory.GetFiles(Path.Combine(WebRoot, "viewer"), "shared-*.js").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    private async Task<HttpClient> SignedInClientAsync()
    {
        var client = PortalHttp.Client(app.Portal.BaseUrl);
        using var signedIn = await PortalHttp.SignInAsync(client, DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return client;
    }

    [Fact]
    public async Task SignedIn_StaticFiles_CarryNoSessionCookie_AndMayBeCached()
    {
        using var client = await SignedInClientAsync();

        foreach (var path in new[] { "/viewer/viewer.js", "/viewer/early.js", $"/viewer/{Chunks()[0]}" })
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.False(response.Headers.Contains("Set-Cookie"), $"{path} set cookies: {string.Join(", ", response.Headers.TryGetValues("Set-Cookie", out var c) ? c.Select(cookie => cookie.Split('=')[0]) : [])}");
            var cacheControl = response.Headers.CacheControl;
            Assert.NotNull(cacheControl);
            Assert.False(cacheControl.NoStore, $"{path}: Cache-Control {cacheControl}");
            Assert.False(response.Headers.Pragma.Any(), $"{path}: Pragma {response.Headers.Pragma}");
        }

        // The session itself is untouched: a page still knows the user, and still renews the session (sliding expiry).
        using var page = await client.GetAsync("/", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("ImagePortal.Session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheViewersContentNamedChunks_AreImmutable_TheNamedModulesRevalidated()
    {
        using var client = await SignedInClientAsync();
        var chunks = Chunks();
        Assert.NotEmpty(chunks);

        foreach (var chunk in chunks)
        {
            using var response = await client.GetAsync($"/viewer/{chunk}", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(ViewerScriptCaching.Immutable, response.Headers.GetValues("Cache-Control").Single());
        }

        // An entry module keeps its name from one build to the next: a browser must ask whether it changed.
        using var viewer = await client.GetAsync("/viewer/viewer.js", TestContext.Current.CancellationToken);
        Assert.True(viewer.Headers.CacheControl?.NoCache, $"viewer.js: Cache-Control {viewer.Headers.CacheControl}");
        // Anonymous too (the sign-in page's scripts): the same files for everyone.
        using var anonymous = PortalHttp.Client(app.Portal.BaseUrl);
        using var chunk0 = await anonymous.GetAsync($"/viewer/{chunks[0]}", TestContext.Current.CancellationToken);
        Assert.Equal(ViewerScriptCaching.Immutable, chunk0.Headers.GetValues("Cache-Control").Single());
        // A name that only looks like a chunk is no file (an anonymous caller is sent to sign in), and is not kept for a year.
        using var missing = await anonymous.GetAsync("/viewer/shared-ZZZZZZZZ.js", TestContext.Current.CancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, missing.StatusCode);
        Assert.NotEqual(ViewerScriptCaching.Immutable, missing.Headers.CacheControl?.ToString());
    }
}
