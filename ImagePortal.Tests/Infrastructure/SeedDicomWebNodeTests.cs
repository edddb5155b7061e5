using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>A seeded DICOMweb node (the benchmarks and deployments configure nodes this way) keeps its password only encrypted.</summary>
public sealed class SeedDicomWebNodeTests
{
    private const string Password = "s3cret-Seed-Pass";

    [Fact]
    public async Task ASeededBaseUrl_MakesADicomWebNode_WhosePasswordIsStoredEncrypted_AndReachesTheClient()
    {
        await using var app = new PortalApp(startServer: false, new Dictionary<string, string?>
        {
            ["Seed:Facilities:1:Nodes:0:BaseUrl"] = "http://127.0.0.1:8042/dicom-web",
            ["Seed:Facilities:1:Nodes:0:Authentication"] = "Basic",
            ["Seed:Facilities:1:Nodes:0:UserName"] = "portal",
            ["Seed:Facilities:1:Nodes:0:Password"] = Password,
        });
        await app.InitializeAsync();

        var node = await app.InScopeAsync(async services =>
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(TestContext.Current.CancellationToken);
            return await db.Facilities.Include(f => f.Nodes).Where(f => f.Code == "SBR").SelectMany(f => f.Nodes).SingleAsync(TestContext.Current.CancellationToken);
        });

        Assert.Equal(NodeProtocol.DicomWeb, node.Protocol);
        Assert.Equal("http://127.0.0.1:8042/dicom-web/", node.WebBaseUrl);
        Assert.Equal(string.Empty, node.AeTitleValue);
        Assert.NotNull(node.ProtectedSecret);
        Assert.DoesNotContain(Password, node.ProtectedSecret, StringComparison.Ordinal);
        var options = app.Services.GetRequiredService<DicomWebNodes>().OptionsFor(node);
        Assert.Equal(DicomWebAuthentication.Basic, options.Authentication);
        Assert.Equal(("portal", Password), (options.UserName, options.Password));
    }
}
