using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>Every provider's migration set must match the model, so no set can rot unnoticed.</summary>
public sealed class MigrationsTests
{
    [Fact]
    public void SqliteMigrations_MatchTheModel()
    {
        using var db = new SqliteImagePortalDbContext(new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
            .UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a SQLite migration (see ImagePortalDbContext remarks).");
        Assert.NotEmpty(db.Database.GetMigrations());
    }

    [Fact]
    public void SqlServerMigrations_MatchTheModel_AndScriptIdempotently()
    {
        using var db = new SqlServerImagePortalDbContext(new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=unused;TrustServerCertificate=True").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "Add a SQL Server migration (see ImagePortalDbContext remarks).");
        var migrator = db.GetInfrastructure().GetRequiredService<IMigrator>();
        var script = migrator.GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Assert.Contains("CREATE TABLE [Facilities]", script);
        Assert.Contains("IF NOT EXISTS", script);

        // Statements that must open their own batch cannot sit bare inside the script's IF blocks.
        Assert.DoesNotMatch(@"BEGIN\s+CREATE (TRIGGER|PROCEDURE|VIEW|FUNCTION)", script);
    }

    [Fact]
    public void PostgreSqlMigrations_MatchTheModel()
    {
        using var db = PostgreSql();

        Assert.False(db.Database.HasPendingModelChanges(), "Add a PostgreSQL migration (see ImagePortalDbContext remarks).");
        var script = db.GetInfrastructure().GetRequiredService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent);
        Assert.Contains("CREATE TABLE \"Facilities\"", script);
        Assert.Contains("audit_events_append_only", script);
    }

    /// <summary>
    /// The PostgreSQL set begins with one baseline (the model as the provider was added) and from then on follows the
    /// others migration by migration, under the same names.
    /// </summary>
    [Fact]
    public void ThePostgreSqlSet_FollowsTheOthersAfterItsBaseline()
    {
        using var sqlite = new SqliteImagePortalDbContext(new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
            .UseSqlite("Data Source=:memory:").Options);
        using var postgreSql = PostgreSql();

        var postgreSqlSet = postgreSql.Database.GetMigrations().ToList();
        var baseline = postgreSqlSet[0];
        Assert.EndsWith("_InitialCreate", baseline);
        var laterOthers = sqlite.Database.GetMigrations().Where(m => string.CompareOrdinal(m, baseline) > 0);
        Assert.Equal(laterOthers.Select(Name), postgreSqlSet.Skip(1).Select(Name));
    }

    [Fact]
    public void TheTwoSetsHaveTheSameMigrations()
    {
        using var sqlite = new SqliteImagePortalDbContext(new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
            .UseSqlite("Data Source=:memory:").Options);
        using var sqlServer = new SqlServerImagePortalDbContext(new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=unused;TrustServerCertificate=True").Options);

        static IEnumerable<string> Names(DbContext db) => db.Database.GetMigrations().Select(m => m[(m.IndexOf('_') + 1)..]);
        Assert.Equal(Names(sqlite), Names(sqlServer));
    }

    private static string Name(string migrationId) => migrationId[(migrationId.IndexOf('_') + 1)..];

    private static PostgreSqlImagePortalDbContext PostgreSql() =>
        new(new DbContextOptionsBuilder<PostgreSqlImagePortalDbContext>().UseNpgsql("Host=127.0.0.1;Port=1;Database=unused").Options);
}
