using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Support;

/// <summary>
/// <see cref="UseCaseFixture"/> on a real PostgreSQL server (<see cref="PostgresPeer"/>) rather than SQLite: the portal
/// migrates a fresh database with the PostgreSQL migration set and seeds the demo network into it. Use cases, the queue
/// and the audit trail then run against a server database, as several web and worker nodes share one in production.
/// </summary>
public class PostgreSqlUseCaseFixture : UseCaseFixture
{
    private PostgresPeer? _server;
    private string? _connectionString;

    public PostgresPeer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>The portal's database; another node (a second <see cref="PortalApp"/>, a worker process) may share it.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>Every node writing to one trail seals it with the same key, as every node of an installation must.</summary>
    public string AuditChainKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    protected override IReadOnlyDictionary<string, string?>? Settings => NodeSettings();

    /// <summary>The settings of a portal node on this fixture's database.</summary>
    public IReadOnlyDictionary<string, string?> NodeSettings(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{DatabaseOptions.SectionName}:Provider"] = nameof(DatabaseProvider.PostgreSql),
            ["ConnectionStrings:ImagePortal"] = ConnectionString,
            ["Audit:ChainKey"] = AuditChainKey,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public override async ValueTask InitializeAsync()
    {
        _server = await PostgresPeer.StartAsync(TestContext.Current.CancellationToken);
        _connectionString = await _server.CreateDatabaseAsync("imageportal", TestContext.Current.CancellationToken);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
