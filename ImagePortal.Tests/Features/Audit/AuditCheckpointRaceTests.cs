using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// Two nodes on one database writing the checkpoint for the same event at the same moment (issue 16: every worker
/// node seals checkpoints, and the one that lost logged "UNIQUE constraint failed: AuditCheckpoints.Sequence").
/// </summary>
public abstract class AuditCheckpointRaceTestsBase(UseCaseFixture fixture)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoNodesCheckpointingTheSameEvent_WriteOne_LogNoError_AndBothGoOnSealing()
    {
        var reference = $"CKPT-RACE-{Guid.NewGuid():N}";
        // The fixture's own node checkpoints the tail of the chain in the background (AuditCheckpointService, every minute)
        // when one is due, and one is due at once while the trail has none: a tick during this test took the tail event it
        // writes for (seen once in CI, on PostgreSQL). A checkpoint at the tail first leaves none due for
        // CheckpointInterval (10 min) or CheckpointEvery (1,000) events.
        await AuditorSupport.RecordAsync(fixture, reference + "-before", 1);
        await fixture.Services.GetRequiredService<AuditCheckpoints>().WriteIfDueAsync(Cancel);
        await AuditorSupport.RecordAsync(fixture, reference, 6);
        var events = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.ObjectReference == reference)
            .OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.Hash }).ToListAsync(Cancel));
        using var log = LogCapture.Attach(fixture.Services);
        // A checkpoint writer reads the clock after finding no checkpoint for the event and before inserting its own:
        // held there until both have, both insert the same checkpoint.
        var meeting = new Meeting();
        var clock = new MeetingClock(meeting);
        var (first, second) = (Node(clock), Node(clock));

        foreach (var raced in new[] { events[1].Sequence, events[3].Sequence })
        {
            meeting.Arm();
            // Each on a thread of its own: SQLite's calls complete synchronously, so the first would hold the second back.
            var written = await Task.WhenAll(
                Task.Run(() => first.WriteAsync(raced, verified: false, Cancel), Cancel), Task.Run(() => second.WriteAsync(raced, verified: false, Cancel), Cancel));
            Assert.True(meeting.Met, "the two nodes were to write at the same moment");
            Assert.Single(written, w => w is not null);
        }

        // The node that lost a race goes on sealing, as does the other.
        Assert.NotNull(await first.WriteAsync(events[4].Sequence, verified: false, Cancel));
        Assert.NotNull(await second.WriteAsync(events[5].Sequence, verified: false, Cancel));

        var sequences = events.Select(e => e.Sequence).ToList();
        var stored = await fixture.DbAsync(db => db.AuditCheckpoints.AsNoTracking().Where(c => sequences.Contains(c.Sequence))
            .OrderBy(c => c.Sequence).Select(c => new { c.Sequence, c.Hash }).ToListAsync(Cancel));
        Assert.Equal(new[] { events[1], events[3], events[4], events[5] }.Select(e => (e.Sequence, e.Hash)), stored.Select(c => (c.Sequence, c.Hash)));
        var verification = await fixture.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel);
        Assert.True(verification.IsIntact, verification.Problem);
        Assert.DoesNotContain(log.Entries, e => e.Contains("AuditCheckpoint", StringComparison.OrdinalIgnoreCase) || e.Contains("audit checkpoint", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A checkpoint writer as another node has it: the same database and key, its own instance.</summary>
    private AuditCheckpoints Node(TimeProvider clock) => new(
        fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), fixture.Services.GetRequiredService<AuditKeyRing>(),
        clock, fixture.Services.GetRequiredService<IOptions<AuditOptions>>(), new AuditExportSignal(),
        fixture.Services.GetRequiredService<ILogger<AuditCheckpoints>>());
}

/// <summary>Two nodes on one SQLite file, as the retrieval bench runs its workers.</summary>
public sealed class AuditCheckpointRaceTests(SharedDatabaseFixture fixture) : AuditCheckpointRaceTestsBase(fixture), IClassFixture<SharedDatabaseFixture>;

/// <summary>Two nodes on one PostgreSQL database.</summary>
public sealed class AuditCheckpointRaceOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture)
    : AuditCheckpointRaceTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
