using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ImagePortal.Infrastructure.Data;

/// <summary>For <c>dotnet ef</c> only: builds each provider's context without starting the web application.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteImagePortalDbContext>
{
    public SqliteImagePortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteImagePortalDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerImagePortalDbContext>
{
    public SqlServerImagePortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerImagePortalDbContext>()
            .UseSqlServer("Server=(design-time);Database=ImagePortal;Trusted_Connection=True;TrustServerCertificate=True")
            .Options);
}

internal sealed class PostgreSqlDesignTimeFactory : IDesignTimeDbContextFactory<PostgreSqlImagePortalDbContext>
{
    public PostgreSqlImagePortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgreSqlImagePortalDbContext>()
            .UseNpgsql("Host=design-time;Database=imageportal")
            .Options);
}
