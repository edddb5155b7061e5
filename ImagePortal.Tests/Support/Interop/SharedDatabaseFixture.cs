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
        StartNode(name, "worker", settings);

    /// <summary>
    /// A web node (<c>Portal:Role=web</c>) as a separate process on this database, serving pages on <c>Url</c> (known
    /// once it listens; it is killed if it does not within a minute); it shares the Data Protection keys with every
    /// node through the database. Dispose the process to kill it.
    /// </summary>
    public async Task<(PeerProcess Process, string Url)> StartWebAsync(
        string name, IReadOnlyDictionary<string, string>? settings = null, CancellationToken cancellationToken = default)
    {
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

        var process = StartNode(name, "web", web);
        try
        {
            string? url = null;
            await process.WaitUntilAsync(_ => Task.FromResult((url = ListeningUrl(process.Output)) is not null), "its HTTP listener", TimeSpan.FromSeconds(60), cancellationToken);
            return (process, url!);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Points <paramref name="facility"/>'s one DICOM node at a peer on 127.0.0.1 that offers every service.</summary>
    public Task PointNodeAsync(string facility, string aeTitle, int port) => DbAsync(async db =>
    {
        var found = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == facility, TestContext.Current.CancellationToken);
        var node = found.Nodes.Single();
        found.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, DicomCapabilities.All, false);
        return await db.SaveChangesAsync(TestContext.Current.CancellationToken);
    });

    /// <summary>The address Kestrel reported (<c>Now listening on: http://127.0.0.1:port</c>), or null before it listens.</summary>
    internal static string? ListeningUrl(string output)
    {
        var found = System.Text.RegularExpressions.Regex.Match(output, @"Now listening on: (http://127\.0\.0\.1:[0-9]+)");
        return found.Success ? found.Groups[1].Value : null;
    }

    private PeerProcess StartNode(string name, string role, IReadOnlyDictionary<string, string>? settings)
    {
        var folder = Path.Combine(Folder, name);
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Port 0: Kestrel takes one the OS gives, which no other program can take first (a picked free port could
            // be, and was, in CI); a web node's address is read back from its log (StartWebAsync).
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
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
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
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
