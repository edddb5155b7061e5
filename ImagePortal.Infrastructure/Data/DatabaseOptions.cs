namespace ImagePortal.Infrastructure.Data;

public enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}

/// <summary>The <c>Database</c> section of configuration; the connection string is <c>ConnectionStrings:ImagePortal</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the application starts (turn off where a DBA applies the scripts).</summary>
    public bool MigrateOnStartup { get; set; } = true;
}
