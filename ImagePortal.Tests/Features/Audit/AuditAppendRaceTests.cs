using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// Two nodes appending to the one chain at the same moment. The chain lets one of them win the tail (PreviousHash is
/// unique) and the other retry on the new tail: an expected race, which must not show in the log as a database error
/// (Entity Framework logged the refused insert as an Error on every such race, on every node of an installation).
/// </summary>
public abstract class AuditAppendRaceTestsBase(UseCaseFixture fixture)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoNodesAppendingOnTheSameTail_AppendBothOnce_LogNoError()
    {
        var tag = $"append-race-{Guid.NewGuid():N}";
        using var log = LogCapture.Attach(fixture.Services);
        var meeting = new Meeting();
        var (first, second) = (Trail(new MeetingClock(meeting)), Trail(new MeetingClock(meeting)));

        for (var round = 0; round < 3; round++)
        {
            meeting.Arm();
            // Each on a thread of its own: SQLite's calls complete synchronously, so the first would hold the second back.
            await Task.WhenAll(
                Task.Run(() => first.RecordAsync(Entry($"{tag} first {round}"), "u", "u", null, null, Cancel), Cancel),
                Task.Run(() => second.RecordAsync(Entry($"{tag} second {round}"), "u", "u", null, null, Cancel), Cancel));
            Assert.True(meeting.Met, "the two nodes were to read the same tail");
        }

        await AssertEachOnceInAnIntactChainAsync(tag, 6);
        AssertNoError(log);
    }

    /// <summary>
    /// Two outbox nodes sealing the same staged events at the same moment. Only where two transactions can both read
    /// before either writes: SQLite's begin by taking the file's write lock, so there no two can read the same staged events.
    /// </summary>
    protected async Task TwoNodesSealingTheSameStagedEventsAsync()
    {
        var tag = $"seal-race-{Guid.NewGuid():N}";
        await fixture.DbAsync(async db =>
        {
            for (var i = 0; i < 5; i++)
            {
                db.StagedAuditEvents.Add(new StagedAuditEvent(Entry($"{tag} {i}"), "u", "u", null, null, DateTimeOffset.UtcNow));
            }

            return await db.SaveChangesAsync(Cancel);
        });
        using var log = LogCapture.Attach(fixture.Services);
        var meeting = new Meeting();
        // Both meet at their first write in the sealing transaction, each having read the staged rows and the tail.
        var interceptor = new MeetBeforeCommand(meeting, "INSERT INTO \"AuditEvents\"", "DELETE FROM \"AuditOutbox\"", "INSERT INTO [AuditEvents]", "DELETE FROM [AuditOutbox]");
        var (first, second) = (Outbox(interceptor), Outbox(interceptor));

        meeting.Arm();
        var counts = await Task.WhenAll(Task.Run(() => first.SealAsync(Cancel), Cancel), Task.Run(() => second.SealAsync(Cancel), Cancel));

        Assert.True(meeting.Met, "the two nodes were to seal the same staged events at the same moment");
        Assert.Equal(5, counts.Sum());
        Assert.False(await fixture.DbAsync(db => db.StagedAuditEvents.AnyAsync(e => e.Description.StartsWith(tag), Cancel)));
        await AssertEachOnceInAnIntactChainAsync(tag, 5);
        AssertNoError(log);
    }

    private static AuditEntry Entry(string description) => new(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success, description);

    private async Task AssertEachOnceInAnIntactChainAsync(string tag, int count)
    {
        var descriptions = await fixture.DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Description.StartsWith(tag)).Select(e => e.Description).ToListAsync(Cancel));
        Assert.Equal(count, descriptions.Count);
        Assert.Equal(count, descriptions.Distinct(StringComparer.Ordinal).Count());
        var verification = await fixture.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel);
        Assert.True(verification.IsIntact, verification.Problem);
    }

    private static void AssertNoError(LogCapture log) =>
        Assert.DoesNotContain(log.Entries, e => e.StartsWith(nameof(LogLevel.Error), StringComparison.Ordinal) || e.StartsWith(nameof(LogLevel.Critical), StringComparison.Ordinal));

    /// <summary>An audit trail as another node has it: its own turn-taking and clock, the same database and key.</summary>
    private AuditTrail Trail(TimeProvider clock)
    {
        var services = fixture.Services;
        return new AuditTrail(
            services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), new NoUser(), clock, services.GetRequiredService<AuditKeyRing>(),
            new AuditExportSignal(), new AuditAppendGate(), Outbox(null), services.GetRequiredService<ILogger<AuditTrail>>());
    }

    private AuditOutbox Outbox(MeetBeforeCommand? interceptor)
    {
        var services = fixture.Services;
        IDbContextFactory<ImagePortalDbContext> factory = interceptor is null
            ? services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>()
            : new InterceptedDbContextFactory(services, interceptor);
        return new AuditOutbox(factory, TimeProvider.System, services.GetRequiredService<AuditKeyRing>(), new AuditExportSignal(),
            new AuditAppendGate(), services.GetRequiredService<ILogger<AuditOutbox>>());
    }

    private sealed class NoUser : ICurrentUser
    {
        public bool IsAuthenticated => false;

        public string? UserId => null;

        public string? UserName => null;

        public Guid? FacilityId => null;

        public string? RemoteAddress => null;

        public bool IsInRole(string role) => false;
    }
}

/// <summary>Two nodes on one SQLite file.</summary>
public sealed class AuditAppendRaceTests(SharedDatabaseFixture fixture) : AuditAppendRaceTestsBase(fixture), IClassFixture<SharedDatabaseFixture>;

/// <summary>Two nodes on one PostgreSQL database.</summary>
public sealed class AuditAppendRaceOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture)
    : AuditAppendRaceTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>
{
    [Fact]
    public Task TwoNodesSealingTheSameStagedEvents_AtTheSameMoment_SealEachOnce_LogNoError() => TwoNodesSealingTheSameStagedEventsAsync();
}
