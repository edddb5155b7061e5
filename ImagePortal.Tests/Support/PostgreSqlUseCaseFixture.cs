using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Support;

/// <summary>
/// The <see cref="UseCaseFixture"/> on a fresh PostgreSQL database of the run's shared server instead of a SQLite
/// file: the use-case tests run on both (<c>*OnPostgreSqlTests</c>), because the providers differ where a test on
/// one alone would not see it (case-sensitive comparison, offsets of timestamps, order of equal keys, error codes).
/// </summary>
public class PostgreSqlUseCaseFixture : UseCaseFixture
{
    private PostgresTestDatabase? _database;

    /// <summary>The settings a SQLite twin's fixture overrides <see cref="UseCaseFixture.Settings"/> with.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? PortalSettings => null;

    /// <summary>How the database collates text; the server's C locale when null.</summary>
    protected virtual PostgresLocale? Locale => null;

    protected sealed override IReadOnlyDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(PortalSettings ?? new Dictionary<string, string?>())
            {
                [$"{DatabaseOptions.SectionName}:Provider"] = nameof(DatabaseProvider.PostgreSql),
                ["ConnectionStrings:ImagePortal"] = _database?.ConnectionString ?? throw new InvalidOperationException("The fixture has not started."),
            };
            return settings;
        }
    }

    public override async ValueTask InitializeAsync()
    {
        _database = await PostgresPeer.CreateTestDatabaseAsync(Locale, TestContext.Current.CancellationToken);
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
