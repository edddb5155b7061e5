using ImagePortal.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>The one place that says where the data folder is; the database, audit key, spool, demo PACS and cache use it.</summary>
public sealed class DataDirectoryTests
{
    private static readonly string ContentRoot = Path.Combine(Path.GetTempPath(), "portal-root");

    private static IConfiguration Settings(string? dataDirectory) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory }).Build();

    [Fact]
    public void Unset_ItIsAppData_UnderTheContentRoot()
    {
        Assert.Equal(Path.Combine(ContentRoot, "App_Data"), DataDirectory.Resolve(Settings(null), ContentRoot));
        Assert.Equal(Path.Combine(ContentRoot, "App_Data"), DataDirectory.Resolve(Settings(""), ContentRoot));
    }

    [Fact]
    public void ARelativeSetting_IsUnderTheContentRoot_AndAnAbsoluteOneStaysAsItIs()
    {
        var absolute = Path.Combine(Path.GetTempPath(), "portal-data");

        Assert.Equal(Path.Combine(ContentRoot, "data"), DataDirectory.Resolve(Settings("data"), ContentRoot));
        Assert.Equal(absolute, DataDirectory.Resolve(Settings(absolute), ContentRoot));
    }

    [Fact]
    public void AFolderSetting_IsUnderTheDataFolder_WithItsDefaultNameWhenEmpty()
    {
        var settings = Settings("data");
        var elsewhere = Path.Combine(Path.GetTempPath(), "spool-elsewhere");

        Assert.Equal(Path.Combine(ContentRoot, "data", "spool"), DataDirectory.Folder(settings, ContentRoot, null, "spool"));
        Assert.Equal(Path.Combine(ContentRoot, "data", "incoming"), DataDirectory.Folder(settings, ContentRoot, "incoming", "spool"));
        Assert.Equal(elsewhere, DataDirectory.Folder(settings, ContentRoot, elsewhere, "spool"));
    }
}
