using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A PACS that is down or does not answer: the viewer gets 502 or 504 with the reason in words, not a hang.</summary>
public sealed class DicomWebFailureTests(DicomWebFailureTests.Portal fixture) : IClassFixture<DicomWebFailureTests.Portal>
{
    private const string Number = "VIEW-9";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string Study = SyntheticStudy.NewUid();

    [Fact]
    public async Task APacsThatIsDown_Answers502_WithTheReason()
    {
        await PointSbrAtAsync(FreePort.Next());
        using var approver = await SignedInAsync();

        using var response = await approver.GetAsync($"/dicomweb/requests/{Number}/studies/{Study}/series", Ct);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetString();
        Assert.Contains("cannot be reached", error);
        Assert.StartsWith("PACS SILENT at 127.0.0.1:", error);
    }

    [Fact]
    public async Task APacsThatDoesNotAnswer_Answers504_AfterThePacsTimeout()
    {
        // Accepts the connection and never says a word: no A-ASSOCIATE-AC, no reject.
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        await PointSbrAtAsync(((System.Net.IPEndPoint)silent.LocalEndpoint).Port);
        using var approver = await SignedInAsync();

        using var response = await approver.GetAsync($"/dicomweb/requests/{Number}/studies/{Study}/series/{Study}/instances/{Study}", Ct);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("did not answer the query within 1 s", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task WithoutSignIn_TheServiceAnswers401_NotTheSignInPage()
    {
        using var anonymous = fixture.App.CreateClient();

        using var response = await anonymous.GetAsync($"/dicomweb/requests/{Number}/studies", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<HttpClient> SignedInAsync()
    {
        var client = fixture.App.CreateClient();
        using var signIn = await PortalHttp.SignInAsync(client, DemoUsers.ApproverSbr.UserName, DemoUsers.ApproverSbr.Password, Ct);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    private Task PointSbrAtAsync(int port) => fixture.App.InScopeAsync(async provider =>
    {
        await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
        await DicomWebFixture.PointAtAsync(db, "SBR", "SILENT", port, Ct);
        return await db.SaveChangesAsync(Ct);
    });

    /// <summary>
    /// The portal with request <see cref="Number"/> approved with one study, and a PACS timeout of 1 s. Each test points
    /// SBR's node at a PACS of its own, so no access decision (which holds the node) is reused from one test to the next:
    /// a reused one would still name the node as it was up to Viewing:AccessDecisionLifetime earlier (a 502 test's dead
    /// port in the 504 test, when the two ran within 5 s).
    /// </summary>
    public sealed class Portal : IAsyncLifetime
    {
        public PortalApp App { get; } = new(startServer: false, new Dictionary<string, string?>
        {
            ["Viewing:PacsTimeout"] = "00:00:01",
            ["Viewing:AccessDecisionLifetime"] = "00:00:00",
        });

        public async ValueTask InitializeAsync()
        {
            await App.InitializeAsync();
            await App.InScopeAsync(async provider =>
            {
                await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync();
                DicomWebFixture.Approve(db, await ApprovedJobs.FacilitiesAsync(db, default), Number, [Study], new("SBR-1", null, null, null), DateTimeOffset.UtcNow);
                return await db.SaveChangesAsync();
            });
        }

        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
