using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>Both providers' migration sets must match the model, so neither set can rot unnoticed.</summary>
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
    public void TheTwoSetsHaveTheSameMigrations()
    {
        using var sqlite = new SqliteImagePortalDbContext(new DbContextOptionsBuilder<SqliteImagePortalDbContext>()
            .UseSqlite("Data Source=:memory:").Options);
        using var sqlServer = new SqlServerImagePortalDbContext(new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
            .UseSqlServer("Server=127.0.0.1,1;Database=unused;TrustServerCertificate=True").Options);

        static IEnumerable<string> Names(DbContext db) => db.Database.GetMigrations().Select(m => m[(m.IndexOf('_') + 1)..]);
        Assert.Equal(Names(sqlite), Names(sqlServer));
    }
}
