using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Features.Administration;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration.DicomSettings;
using ImagePortal.Web.Features.Administration.Facilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Common;

/// <summary>
/// A locked database is a failure to report, not a conflict to explain away: saves that expect a unique-key race
/// (a request number, the audit chain's tail, a facility code) must not read "locked" as "taken".
/// </summary>
public sealed class LockedDatabaseTests(LockableDatabaseFixture fixture) : IClassFixture<LockableDatabaseFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CreatingAFacility_WhileTheDatabaseIsLocked_FailsAsAFailure_NotAsACodeAlreadyUsed()
    {
        await using (await DatabaseLock.HoldAsync(await fixture.ConnectionStringAsync()))
        {
            var error = await Record.ExceptionAsync(() => fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("LCK", AdminTestData.Settings("Locked Clinic"))));

            // The database's own error (from the save, or from the transaction it opens for the change and its audit
            // event), not a result that blames the code.
            Assert.Contains("database is locked", Assert.IsAssignableFrom<System.Data.Common.DbException>(error?.GetBaseException()).Message);
        }

        // Nothing was half-made: the same code can be created once the lock is gone.
        var created = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("LCK", AdminTestData.Settings("Locked Clinic")));
        Assert.True(created.IsSuccess, created.Failure?.Message);
    }

    [Fact]
    public async Task SavingThePortalsDicomSettings_WhileTheDatabaseIsLocked_IsNotReportedAsSomeoneElsesEdit()
    {
        await using (await DatabaseLock.HoldAsync(await fixture.ConnectionStringAsync()))
        {
            var error = await Record.ExceptionAsync(() => fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdatePortalDicomSettings("LOCKED_AE", 11999, [], null)));

            Assert.Contains("database is locked", Assert.IsAssignableFrom<System.Data.Common.DbException>(error?.GetBaseException()).Message);
        }
    }

    [Fact]
    public async Task TheAuditTrail_WhileTheDatabaseIsLocked_FailsAtOnce_InsteadOfRetryingAsIfItLostARace()
    {
        using var log = LogCapture.Attach(fixture.Services);
        await using var scope = fixture.Services.CreateAsyncScope();
        var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();

        await using (await DatabaseLock.HoldAsync(await fixture.ConnectionStringAsync()))
        {
            var error = await Record.ExceptionAsync(() => trail.RecordAsync(new AuditEntry(AuditEventType.Query, AuditAction.Read, AuditOutcome.Success, "while locked"), Cancel));
            Assert.Contains("database is locked", Assert.IsAssignableFrom<System.Data.Common.DbException>(error?.GetBaseException()).Message);
        }

        // The busy database was not taken for another writer at the chain's tail (which it retries up to 20 times).
        Assert.DoesNotContain(log.Entries, e => e.Contains("Audit chain tail moved", StringComparison.Ordinal));
        Assert.Equal(0, await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => e.Description == "while locked", Cancel)));
    }

    [Fact]
    public async Task ADuplicateKey_IsTold_FromALock()
    {
        await using (var scope = fixture.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.Query, AuditAction.Read, AuditOutcome.Success, "before the fork"), Cancel);
        }

        var duplicate = await Record.ExceptionAsync(() => fixture.DbAsync(async db =>
        {
            var tail = await db.AuditEvents.OrderByDescending(e => e.Sequence).FirstAsync(Cancel);
            db.AuditEvents.Add(new AuditEvent(DateTimeOffset.UtcNow, AuditEventType.Query, AuditAction.Read, AuditOutcome.Success,
                null, "fork", null, null, null, null, "a second successor of one event", tail.PreviousHash, AuditChainKey.Generate()));
            return await db.SaveChangesAsync(Cancel);
        }));
        Assert.True(DbErrors.IsDuplicateKey(Assert.IsAssignableFrom<DbUpdateException>(duplicate)));

        DbUpdateException? locked;
        await using (await DatabaseLock.HoldAsync(await fixture.ConnectionStringAsync()))
        {
            locked = Assert.IsAssignableFrom<DbUpdateException>(await Record.ExceptionAsync(() => fixture.DbAsync(db =>
            {
                db.AuditCheckpoints.Add(new AuditCheckpoint(long.MaxValue, new string('0', 64), DateTimeOffset.UtcNow, AuditChainKey.Generate(), null));
                return db.SaveChangesAsync(Cancel);
            })));
        }

        Assert.False(DbErrors.IsDuplicateKey(locked));
    }
}
