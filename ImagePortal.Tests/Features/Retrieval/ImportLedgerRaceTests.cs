using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>
/// Two workers importing the same instances to the same destination (two jobs for one study, or a lease taken over
/// from a worker still storing) write the exactly-once ledger at the same moment. The ledger holds each instance once;
/// the worker that comes second skips what is there, quietly. Its batch insert was logged as an Error by Entity
/// Framework, and its row-by-row fallback (check, then insert) could throw when the other worker inserted in between.
/// </summary>
public abstract class ImportLedgerRaceTestsBase(UseCaseFixture fixture)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Whether two workers' inserts can both be under way (SQLite's multi-row save takes the file's lock first).</summary>
    protected virtual bool InsertsInterleave => true;

    [Fact]
    public async Task TwoWorkersWritingTheSameInstances_AtTheSameMoment_WriteEachOnce_LogNoError()
    {
        var destination = await DestinationAsync();
        var study = $"1.2.826.0.1.3680043.10.{Random.Shared.Next(1, int.MaxValue)}";
        var (firstJob, secondJob, earlierJob) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        // One instance a third worker recorded earlier: each of the two batches holds it, as well as two new ones.
        await fixture.DbAsync(db =>
        {
            db.ImportedInstances.Add(Row(earlierJob, destination, study, 0));
            return db.SaveChangesAsync(Cancel);
        });
        using var log = LogCapture.Attach(fixture.Services);
        var meeting = new Meeting(TimeSpan.FromSeconds(5));
        var factory = new InterceptedDbContextFactory(fixture.Services, new MeetBeforeCommand(meeting, "INSERT INTO \"ImportedInstances\"", "INSERT INTO [ImportedInstances]"));

        // Every insert of one worker waits for one of the other's, so each check is made before either writes.
        meeting.Arm(everyTime: true);
        var written = await Task.WhenAll(
            Task.Run(() => ImportLedger.WriteAsync(factory, [.. Enumerable.Range(0, 3).Select(i => Row(firstJob, destination, study, i))], Cancel), Cancel),
            Task.Run(() => ImportLedger.WriteAsync(factory, [.. Enumerable.Range(0, 3).Select(i => Row(secondJob, destination, study, i))], Cancel), Cancel));

        Assert.True(meeting.Met || !InsertsInterleave, "the two workers were to write at the same moment");
        var rows = await fixture.DbAsync(db => db.ImportedInstances.AsNoTracking().Where(i => i.StudyInstanceUid == study).ToListAsync(Cancel));
        Assert.Equal(3, rows.Count);
        Assert.Equal(3, rows.Select(r => r.SopInstanceUid).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(earlierJob, rows.Single(r => r.SopInstanceUid == Sop(study, 0)).JobId);
        Assert.All(rows.Where(r => r.SopInstanceUid != Sop(study, 0)), r => Assert.Contains(r.JobId, new[] { firstJob, secondJob }));
        Assert.DoesNotContain(log.Entries, e => e.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal));
        Assert.Equal(2, written.Sum());
    }

    [Fact]
    public async Task ARealDatabaseError_StillSurfaces()
    {
        var study = $"1.2.826.0.1.3680043.10.{Random.Shared.Next(1, int.MaxValue)}";
        var factory = fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();

        // No such destination: the foreign key refuses the row, which is no duplicate to skip.
        var refused = await Record.ExceptionAsync(() => ImportLedger.WriteAsync(factory, [Row(Guid.NewGuid(), Guid.NewGuid(), study, 0)], Cancel));

        Assert.NotNull(refused);
        Assert.False(await fixture.DbAsync(db => db.ImportedInstances.AnyAsync(i => i.StudyInstanceUid == study, Cancel)));
    }

    private Task<Guid> DestinationAsync() =>
        fixture.DbAsync(db => db.Set<DicomNode>().AsNoTracking().Select(n => n.Id).FirstAsync(Cancel));

    private static string Sop(string study, int i) => $"{study}.{i + 1}";

    private static ImportedInstance Row(Guid job, Guid destination, string study, int i) =>
        new(job, destination, study, Sop(study, i), 1000 + i, DateTimeOffset.UtcNow);
}

/// <summary>Two workers on one SQLite file.</summary>
public sealed class ImportLedgerRaceTests(SharedDatabaseFixture fixture) : ImportLedgerRaceTestsBase(fixture), IClassFixture<SharedDatabaseFixture>
{
    protected override bool InsertsInterleave => false;
}

/// <summary>Two workers on one PostgreSQL database.</summary>
public sealed class ImportLedgerRaceOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture)
    : ImportLedgerRaceTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
