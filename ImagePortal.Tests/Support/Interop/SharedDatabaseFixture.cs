using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>The web role in the test process, on a SQLite file that worker processes (<see cref="StartWorker"/>) share.</summary>
public class SharedDatabaseFixture : UseCaseFixture
{
    private readonly TempDirectory _folder = new("shared-db");

    public string DatabasePath => _folder.Combine("portal.db");

    public string Folder => _folder.Path;

    /// <summary>Every process writing to one trail seals it with the same key, as every node of an installation must.</summary>
    public string AuditChainKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The database every node of this fixture uses.</summary>
    protected virtual (DatabaseProvider Provider, string ConnectionString) Database => (DatabaseProvider.Sqlite, $"Data Source={DatabasePath}");

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Portal:Role"] = "web",
        [$"{DatabaseOptions.SectionName}:Provider"] = Database.Provider.ToString(),
        ["ConnectionStrings:ImagePortal"] = Database.ConnectionString,
        ["Audit:ChainKey"] = AuditChainKey,
        // Changes told by the worker processes reach this web node's pages through the database, as between real nodes.
        ["ChangeFeed:Enabled"] = "true",
    };

    /// <summary>
    /// The portal built with the tests, started as a separate process with <c>Portal:Role=worker</c> on this database,
    /// with a data folder of its own under <paramref name="name"/>; <paramref name="settings"/> (environment-variable
    /// names, e.g. <c>Retrieval__Concurrency</c>) override the defaults. Dispose it to kill it.
    /// </summary>
    public PeerProcess StartWorker(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        StartNode(name, "worker", $"http://127.0.0.1:{FreePort.Next()}", settings);

    /// <summary>
    /// A web node (<c>Portal:Role=web</c>) as a separate process on this database, serving pages on <c>Url</c>; it
    /// shares the Data Protection keys with every node through the database. Dispose the process to kill it.
    /// </summary>
    public (PeerProcess Process, string Url) StartWeb(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var url = $"http://127.0.0.1:{FreePort.Next()}";
        var web = new Dictionary<string, string>
        {
            // Browser tests sign in several times from 127.0.0.1 within a minute.
            ["Security__SignInAttemptLimit"] = "1000",
            // Run from the build output rather than a publish folder, the pages' scripts and styles (blazor.web.js,
            // MudBlazor's) are found through the static web assets manifest, which ASP.NET Core reads in Development only.
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            web[key] = value;
        }

        return (StartNode(name, "web", url, web), url);
    }

    /// <summary>Points <paramref name="facility"/>'s one DICOM node at a peer on 127.0.0.1 that offers every service.</summary>
    public Task PointNodeAsync(string facility, string aeTitle, int port) => DbAsync(async db =>
    {
        var found = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == facility, TestContext.Current.CancellationToken);
        var node = found.Nodes.Single();
        found.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, DicomCapabilities.All, false);
        return await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    });

    private PeerProcess StartNode(string name, string role, string url, IReadOnlyDictionary<string, string>? settings)
    {
        var folder = Path.Combine(Folder, name);
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = url,
            ["Portal__Role"] = role,
            ["Demo__AllowOutsideDevelopment"] = "true",
            // The demo PACS listen on fixed ports: the test's own process or another worker may hold them.
            ["Demo__Enabled"] = "false",
            ["Database__Provider"] = Database.Provider.ToString(),
            ["Database__MigrateOnStartup"] = "false",
            ["ConnectionStrings__ImagePortal"] = Database.ConnectionString,
            ["Storage__DataDirectory"] = folder,
            ["Audit__ChainKey"] = AuditChainKey,
            ["Audit__OutboxSweepInterval"] = "00:00:01",
            ["Dicom__Port"] = "0",
            ["Retrieval__Concurrency"] = "1",
            ["Retrieval__LeaseDuration"] = "00:00:03",
            ["Retrieval__PollInterval"] = "00:00:00.200",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var bin = AppContext.BaseDirectory;
        return PeerProcess.Start("dotnet", [Path.Combine(bin, "ImagePortal.Web.dll")], bin, environment);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// The same nodes on one PostgreSQL database (a fresh one on the run's shared <see cref="PostgresPeer"/>), as a multi-node installation runs; also the
/// fixture of the use-case tests that run on PostgreSQL as on SQLite (<c>*OnPostgreSqlTests</c>).
/// </summary>
public sealed class PostgreSqlSharedDatabaseFixture : SharedDatabaseFixture
{
    private PostgresTestDatabase? _database;

    protected override (DatabaseProvider Provider, string ConnectionString) Database =>
        (DatabaseProvider.PostgreSql, _database?.ConnectionString ?? throw new InvalidOperationException("The fixture has not started."));

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresPeer.CreateTestDatabaseAsync(TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
