using ImagePortal.Dicom;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Demo;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Mail;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Infrastructure.Seed;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImagePortal.Infrastructure;

public static class DependencyInjection
{
    public const string ConnectionStringName = "ImagePortal";

    public static IHostApplicationBuilder AddInfrastructure(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddDicom();

        var databaseSection = builder.Configuration.GetSection(DatabaseOptions.SectionName);
        services.Configure<DatabaseOptions>(databaseSection);
        var database = databaseSection.Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        // A request loads with its studies (owned) and its timeline in one statement, one consistent snapshot: it has
        // a few studies and tens of events, so the rows this multiplies stay few (chosen explicitly, not by default).
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = ResolveSqliteConnectionString(connectionString, builder.Environment.ContentRootPath, builder.Configuration);
                services.AddProviderContext<SqliteImagePortalDbContext>(options =>
                    options.UseSqlite(sqlite, sql => sql.UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery)));
                services.AddHostedService<SqliteOptimizer>();
                break;
            case DatabaseProvider.SqlServer:
                var sqlServer = RequireConnectionString(connectionString, database.Provider);
                services.AddProviderContext<SqlServerImagePortalDbContext>(options =>
                    options.UseSqlServer(sqlServer, sql => sql.EnableRetryOnFailure().UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery)));
                break;
            case DatabaseProvider.PostgreSql:
                var postgreSql = RequireConnectionString(connectionString, database.Provider);
                services.AddProviderContext<PostgreSqlImagePortalDbContext>(options =>
                    options.UseNpgsql(postgreSql, sql => sql.EnableRetryOnFailure().UseQuerySplittingBehavior(QuerySplittingBehavior.SingleQuery)));
                break;
            default:
                throw new InvalidOperationException($"Unknown Database:Provider '{database.Provider}'.");
        }

        // Identity's stores and the Data Protection key ring need a scoped context; pages use the factory.
        services.AddScoped(provider => provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContext());

        services.AddDataProtection()
            .SetApplicationName("ImagePortal")
            .PersistKeysToDbContext<ImagePortalDbContext>();

        services.AddHealthChecks().AddDbContextCheck<ImagePortalDbContext>("database");

        services.Configure<PortalDicomOptions>(builder.Configuration.GetSection(PortalDicomOptions.SectionName));
        services.AddSingleton<IPortalDicomSettings, PortalDicomSettingsService>();
        services.AddSingleton<IPacsGateway, PacsGateway>();
        services.AddSingleton<IPacsInstanceSource, PacsInstanceSource>();
        services.AddDicomWebClient(o => builder.Configuration.GetSection(DicomWebHttpOptions.SectionName).Bind(o));
        services.AddSingleton<IDicomWebTokenProvider, ClientCredentialsTokenProvider>();
        services.AddSingleton<NodeSecretProtector>();
        services.AddSingleton<DicomWebNodes>();
        services.AddSingleton<DicomWebConnectionCheck>();
        builder.AddAudit();

        services.Configure<SmtpSettings>(builder.Configuration.GetSection(SmtpSettings.SectionName));
        services.AddSingleton<SmtpMailSender>();

        builder.AddRetrieval();

        services.Configure<SeedOptions>(builder.Configuration.GetSection(SeedOptions.SectionName));
        services.AddScoped<DatabaseSeeder>();

        services.Configure<DemoOptions>(builder.Configuration.GetSection(DemoOptions.SectionName));
        services.AddSingleton<DemoNetwork>();
        services.AddHostedService(provider => provider.GetRequiredService<DemoNetwork>());
        return builder;
    }

    /// <summary>The provider's context factory, handed out as the one <see cref="ImagePortalDbContext"/> factory the app uses.</summary>
    private static void AddProviderContext<TContext>(this IServiceCollection services, Action<DbContextOptionsBuilder> configure)
        where TContext : ImagePortalDbContext
    {
        services.AddDbContextFactory<TContext>(configure);
        services.AddSingleton<IDbContextFactory<ImagePortalDbContext>, ProviderDbContextFactory<TContext>>();
    }

    /// <summary>A server database has no default: an empty connection string stops the start, naming the setting.</summary>
    private static string RequireConnectionString(string? connectionString, DatabaseProvider provider) =>
        string.IsNullOrWhiteSpace(connectionString)
            ? throw new InvalidOperationException($"Database:Provider is {provider} but ConnectionStrings:{ConnectionStringName} is empty.")
            : connectionString;

    /// <summary>
    /// The default database is a file in the application's data folder (<see cref="DataDirectory"/>); a relative file
    /// name is placed there too.
    /// </summary>
    internal static string ResolveSqliteConnectionString(string? configured, string contentRoot, IConfiguration configuration)
    {
        var dataDirectory = DataDirectory.Resolve(configuration, contentRoot);
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? "Data Source=imageportal.db" : configured);
        if (builder.DataSource != ":memory:" && !builder.DataSource.StartsWith("file:", StringComparison.Ordinal) &&
            builder.Mode != SqliteOpenMode.Memory)
        {
            builder.DataSource = Path.GetFullPath(builder.DataSource, dataDirectory);
            Directory.CreateDirectory(Path.GetDirectoryName(builder.DataSource)!);
        }

        builder.Pooling = true;
        if (!builder.ShouldSerialize("Default Timeout"))
        {
            // How long a statement waits for another writer's lock before it fails ("database is locked").
            builder.DefaultTimeout = 30;
        }
        return builder.ToString();
    }
}
