using System.Data.Common;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>What a caller says happened; the trail adds who, from where, when and the chain.</summary>
public sealed record AuditEntry(
    AuditEventType Type, AuditAction Action, AuditOutcome Outcome, string Description,
    string? PatientId = null, string? ObjectReference = null, string? StudyInstanceUid = null);

/// <summary>The one door into the audit trail; what it records also goes to the syslog collector (<see cref="SyslogAuditExporter"/>).</summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Records an event for a user other than the current one (sign-in, where nobody is signed in yet).</summary>
    Task RecordAsync(AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, CancellationToken cancellationToken = default);

    /// <summary>
    /// The audit event of a change that <paramref name="db"/> is about to save: it commits with the change, or not at all.
    /// Call <see cref="SealStagedAsync"/> once the change committed (<see cref="AuditOutbox"/>).
    /// </summary>
    void Stage(ImagePortalDbContext db, AuditEntry entry);

    /// <inheritdoc cref="Stage(ImagePortalDbContext, AuditEntry)"/>
    void Stage(ImagePortalDbContext db, AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address);

    /// <summary>Seals what was staged into the chain; never throws for a database failure (the sweep seals it later).</summary>
    Task SealStagedAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Appends hash-chained events sealed under the chain key. The chain stays linear across processes and machines without
/// a lock: PreviousHash is unique in the table, so of two writers that read the same tail only one can insert; the
/// other re-reads and retries. It follows that an event commits only after the one before it, so its Sequence is larger
/// than every committed event's: the syslog export can send in Sequence order without missing one. Within one process
/// appends take turns (<see cref="AuditAppendGate"/>), so only other processes race for the tail: a worker process with
/// several jobs ending at once would otherwise spend its retries against itself.
/// </summary>
public sealed class AuditTrail(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock, AuditKeyRing keys,
    AuditExportSignal exportSignal, AuditAppendGate gate, AuditOutbox outbox, ILogger<AuditTrail> logger) : IAuditTrail
{
    private const int Attempts = 20;

    public void Stage(ImagePortalDbContext db, AuditEntry entry) =>
        outbox.Stage(db, entry, user.UserId, user.UserName, user.FacilityId, user.RemoteAddress);

    public void Stage(ImagePortalDbContext db, AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address) =>
        outbox.Stage(db, entry, userId, userName, facilityId, address);

    public Task SealStagedAsync(CancellationToken cancellationToken = default) => outbox.SealAfterCommitAsync(cancellationToken);

    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        RecordAsync(entry, user.UserId, user.UserName, user.FacilityId, user.RemoteAddress, cancellationToken);

    public async Task RecordAsync(
        AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await AppendAsync(entry, userId, userName, facilityId, address, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task AppendAsync(
        AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var tail = await TailAsync(db, cancellationToken);
            var auditEvent = new AuditEvent(
                clock.GetUtcNow(), entry.Type, entry.Action, entry.Outcome, userId, userName, facilityId, address,
                entry.PatientId, entry.ObjectReference, entry.Description, tail, keys.Current, entry.StudyInstanceUid);
            try
            {
                if (await AppendUnlessTailMovedAsync(db, auditEvent, cancellationToken))
                {
                    exportSignal.Notify();
                    return;
                }
            }
            catch (DbException busy) when (attempt < Attempts)
            {
                // SQLite with several processes: the write found the file busy while another writer committed. A
                // database that stays locked or unreachable is no race: it goes to the caller at once.
                if (!await TailMovedAsync(tail, cancellationToken))
                {
                    throw;
                }

                logger.LogDebug(busy, "Audit chain tail moved while the database was busy; retrying (attempt {Attempt})", attempt);
            }

            // Another writer appended first: the tail has moved; try again on the new tail.
            if (attempt >= Attempts)
            {
                throw new InvalidOperationException($"The audit chain's tail moved under {Attempts} appends in a row.");
            }

            logger.LogDebug("Audit chain tail moved while appending; retrying (attempt {Attempt})", attempt);
            await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
        }
    }

    /// <summary>
    /// Appends <paramref name="auditEvent"/> unless another writer has linked an event to the same tail first: false
    /// then. PreviousHash is unique, so of two such writers one wins; the other's insert does nothing instead of failing,
    /// because a failed save is an error in Entity Framework's log on every race that the chain expects.
    /// </summary>
    internal static async Task<bool> AppendUnlessTailMovedAsync(ImagePortalDbContext db, AuditEvent auditEvent, CancellationToken cancellationToken) =>
        await db.InsertUnlessPresentAsync([auditEvent], [nameof(AuditEvent.PreviousHash)], cancellationToken) == 1;

    /// <summary>The hash of the chain's last event: what the next one links to.</summary>
    internal static async Task<string> TailAsync(ImagePortalDbContext db, CancellationToken cancellationToken) =>
        await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => e.Hash).FirstOrDefaultAsync(cancellationToken)
        ?? AuditEvent.GenesisHash;

    private async Task<bool> TailMovedAsync(string tail, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            return !string.Equals(await TailAsync(db, cancellationToken), tail, StringComparison.Ordinal);
        }
        catch (DbException)
        {
            return false;
        }
    }
}
