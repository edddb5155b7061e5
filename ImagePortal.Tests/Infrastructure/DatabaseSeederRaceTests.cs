using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Seed;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// Two nodes starting at the same moment on one empty database (a new installation whose web and worker processes
/// start together). Each migrates and seeds the demo network, roles and users; one of them failed at start, refused a
/// role the other had just created. Both start, and the database holds each seeded row once.
/// </summary>
public abstract class DatabaseSeederRaceTestsBase
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A fresh, empty database: its provider, connection string, and what drops it.</summary>
    protected abstract Task<(DatabaseProvider Provider, string ConnectionString, IAsyncDisposable Database)> FreshDatabaseAsync();

    [Fact]
    public async Task TwoNodesStartingOnAnEmptyDatabase_BothStart_AndSeedEachRowOnce()
    {
        var (provider, connectionString, database) = await FreshDatabaseAsync();
        await using var _ = database;
        // Each node's first role is to be inserted at the same moment as the other's, both having found none; once the
        // seeding takes turns the second cannot come, and the first goes on after its patience.
        var meeting = new Meeting(TimeSpan.FromSeconds(5));
        var interceptor = new MeetBeforeCommand(meeting, "INSERT INTO \"AspNetRoles\"", "INSERT INTO [AspNetRoles]");
        var settings = new Dictionary<string, string?>
        {
            [$"{DatabaseOptions.SectionName}:Provider"] = provider.ToString(),
            ["ConnectionStrings:ImagePortal"] = connectionString,
        };
        PortalApp Node() => new(startServer: false, settings, services =>
        {
            services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(interceptor));
            services.ConfigureDbContext<PostgreSqlImagePortalDbContext>(options => options.AddInterceptors(interceptor));
            services.ConfigureDbContext<SqlServerImagePortalDbContext>(options => options.AddInterceptors(interceptor));
        });
        await using var first = Node();
        await using var second = Node();

        meeting.Arm();
        var failures = await Task.WhenAll(
            Task.Run(async () => await Record.ExceptionAsync(() => first.InitializeAsync().AsTask()), Cancel),
            Task.Run(async () => await Record.ExceptionAsync(() => second.InitializeAsync().AsTask()), Cancel));

        Assert.All(failures, failure => Assert.Null(failure));
        var seed = first.Services.GetRequiredService<IOptions<SeedOptions>>().Value;
        var counts = await first.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ImagePortalDbContext>();
            return (Roles: await db.Roles.CountAsync(Cancel), Facilities: await db.Facilities.CountAsync(Cancel), Users: await db.Users.CountAsync(Cancel),
                Agreements: await db.Agreements.CountAsync(Cancel), Nodes: await db.DicomNodes.CountAsync(Cancel));
        });
        Assert.Equal(
            (Roles.All.Count, seed.Facilities.Count, seed.Users.Count, seed.Agreements.Count, seed.Facilities.Sum(f => f.Nodes.Count)),
            counts);
    }
}

/// <summary>Two nodes on one new SQLite file.</summary>
public sealed class DatabaseSeederRaceTests : DatabaseSeederRaceTestsBase, IDisposable
{
    private readonly TempDirectory _folder = new("seed-race");

    protected override Task<(DatabaseProvider Provider, string ConnectionString, IAsyncDisposable Database)> FreshDatabaseAsync() =>
        Task.FromResult<(DatabaseProvider, string, IAsyncDisposable)>((DatabaseProvider.Sqlite, $"Data Source={_folder.Combine("portal.db")}", new Nothing()));

    public void Dispose() => _folder.Dispose();

    private sealed class Nothing : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Two nodes on one new PostgreSQL database.</summary>
public sealed class DatabaseSeederRaceOnPostgreSqlTests : DatabaseSeederRaceTestsBase
{
    protected override async Task<(DatabaseProvider Provider, string ConnectionString, IAsyncDisposable Database)> FreshDatabaseAsync()
    {
        var database = await PostgresPeer.CreateTestDatabaseAsync(TestContext.Current.CancellationToken);
        return (DatabaseProvider.PostgreSql, database.ConnectionString, database);
    }
}
