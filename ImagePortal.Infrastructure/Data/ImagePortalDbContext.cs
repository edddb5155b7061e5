using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Domain.Settings;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Infrastructure.Reports;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Data;

/// <summary>
/// The portal's database: identity, facilities and everything that hangs off them, and the Data Protection keys
/// that several web nodes share.
/// </summary>
/// <remarks>
/// Each provider has its own subclass and migration set, so the two sets never mix. To add a migration to both:
/// <code>
/// dotnet ef migrations add NAME --project ImagePortal.Infrastructure --startup-project ImagePortal.Infrastructure --context SqliteImagePortalDbContext --output-dir Data/Migrations/Sqlite
/// dotnet ef migrations add NAME --project ImagePortal.Infrastructure --startup-project ImagePortal.Infrastructure --context SqlServerImagePortalDbContext --output-dir Data/Migrations/SqlServer
/// dotnet ef migrations add NAME --project ImagePortal.Infrastructure --startup-project ImagePortal.Infrastructure --context PostgreSqlImagePortalDbContext --output-dir Data/Migrations/PostgreSql
/// </code>
/// and the idempotent SQL Server script a DBA applies:
/// <code>
/// dotnet ef migrations script --idempotent --project ImagePortal.Infrastructure --startup-project ImagePortal.Infrastructure --context SqlServerImagePortalDbContext
/// </code>
/// </remarks>
public abstract class ImagePortalDbContext(DbContextOptions options)
    : IdentityDbContext<ApplicationUser>(options), IDataProtectionKeyContext
{
    public DbSet<Facility> Facilities => Set<Facility>();

    public DbSet<DicomNode> DicomNodes => Set<DicomNode>();

    public DbSet<Agreement> Agreements => Set<Agreement>();

    public DbSet<ImageRequest> ImageRequests => Set<ImageRequest>();

    public DbSet<RequestEvent> RequestEvents => Set<RequestEvent>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<AuditCheckpoint> AuditCheckpoints => Set<AuditCheckpoint>();

    public DbSet<AuditExportState> AuditExports => Set<AuditExportState>();

    public DbSet<UserNotification> UserNotifications => Set<UserNotification>();

    public DbSet<PortalDicomSettings> PortalDicomSettings => Set<PortalDicomSettings>();

    public DbSet<RetrievalJob> RetrievalJobs => Set<RetrievalJob>();

    public DbSet<ImportedInstance> ImportedInstances => Set<ImportedInstance>();

    public DbSet<FailedInstance> FailedInstances => Set<FailedInstance>();

    public DbSet<QuarantinedInstance> QuarantinedInstances => Set<QuarantinedInstance>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<ChangeFeedEntry> ChangeFeed => Set<ChangeFeedEntry>();

    /// <summary>Audit events committed with their change and not yet sealed into the chain (<see cref="AuditOutbox"/>).</summary>
    public DbSet<StagedAuditEvent> StagedAuditEvents => Set<StagedAuditEvent>();

    /// <summary>The request report's pre-aggregated figures, kept by <see cref="ReportRollup"/> on every save.</summary>
    public DbSet<ReportFigure> ReportFigures => Set<ReportFigure>();

    /// <summary>
    /// Saves, and changes the report's figures by what the save changes (<see cref="ReportRollup"/>), in one transaction:
    /// the caller's if it has one, else one opened here inside the execution strategy, as EF's guidance for retrying
    /// providers has it (save without accepting, commit, then accept, so that a retry saves the same changes again).
    /// </summary>
    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var deltas = await ReportRollup.CollectAsync(this, cancellationToken);
        if (deltas.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        if (Database.CurrentTransaction is not null)
        {
            var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            await ReportRollup.ApplyAsync(this, deltas, cancellationToken);
            return saved;
        }

        var count = await Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await Database.BeginTransactionAsync(ct);
            var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess: false, ct);
            await ReportRollup.ApplyAsync(this, deltas, ct);
            await transaction.CommitAsync(ct);
            return saved;
        }, cancellationToken);
        if (acceptAllChangesOnSuccess)
        {
            ChangeTracker.AcceptAllChanges();
        }

        return count;
    }

    /// <summary>
    /// The portal saves requests and the import ledger asynchronously only; a synchronous save of either would skip the
    /// report's figures, so it is refused rather than let them drift. Other saves (Data Protection's keys) pass.
    /// </summary>
    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        ChangeTracker.DetectChanges();
        if (ChangeTracker.Entries<ImageRequest>().Any(e => e.State != EntityState.Unchanged && e.State != EntityState.Detached) ||
            ChangeTracker.Entries<ImportedInstance>().Any(e => e.State is EntityState.Added or EntityState.Deleted))
        {
            throw new NotSupportedException("Requests and the import ledger are saved with SaveChangesAsync, which keeps the report's figures.");
        }

        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(ImagePortalDbContext).Assembly);
    }
}

/// <summary>The embedded default: one file, one process.</summary>
public sealed class SqliteImagePortalDbContext(DbContextOptions<SqliteImagePortalDbContext> options) : ImagePortalDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date-time-with-offset type: stored as text, such values cannot be compared or ordered in SQL.
        // As UTC ticks they can (the domain keeps every timestamp in UTC).
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
    }
}

/// <summary>Production: many web and worker nodes share one SQL Server database.</summary>
public sealed class SqlServerImagePortalDbContext(DbContextOptions<SqlServerImagePortalDbContext> options) : ImagePortalDbContext(options)
{
    /// <summary>The collation that compares the patient name key code point by code point, as PostgreSQL's "C" does.</summary>
    private const string NameKeyCollation = "Latin1_General_100_BIN2";

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // The patient search's range on the name key and the list sorted by patient need the key compared character by
        // character, as on SQLite and PostgreSQL (see there). A SQL Server database's collation is a dictionary one by
        // default (SQL_Latin1_General_CP1_CI_AS, Latin1_General_CI_AS): it sorts punctuation before letters, so the range
        // for a name ending in Z, [LOPEZ, LOPE[), would be empty and the search would find nothing. A binary collation
        // compares code points.
        builder.Entity<ImageRequest>().Property(r => r.PatientNameKey).UseCollation(NameKeyCollation);
    }
}

/// <summary>Production: many web and worker nodes share one PostgreSQL database.</summary>
public sealed class PostgreSqlImagePortalDbContext(DbContextOptions<PostgreSqlImagePortalDbContext> options) : ImagePortalDbContext(options)
{
    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // The patient search is a range on the name key, [typed text, text with its last character incremented), and the
        // list sorted by patient reads the key's index in order: both need the key compared character by character, as
        // SQLite does. A database created with the machine's locale (en_US.UTF-8 on many) compares by language instead:
        // punctuation before letters or ignored, so a search ending in Z found nothing ([LOPEZ, LOPE[) is empty) and one
        // family's names were split by another's (PatientNameLocaleTests, on en_US.UTF-8 and ICU's en-US).
        builder.Entity<ImageRequest>().Property(r => r.PatientNameKey).UseCollation("C");
    }
}
