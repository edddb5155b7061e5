using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>What a caller says happened; the trail adds who, from where, when and the chain.</summary>
public sealed record AuditEntry(
    AuditEventType Type, AuditAction Action, AuditOutcome Outcome, string Description,
    string? PatientId = null, string? ObjectReference = null);

/// <summary>The one door into the audit trail. Later: syslog export (RFC 5424/5425) with a local spool.</summary>
public interface IAuditTrail
{
    Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Records an event for a user other than the current one (sign-in, where nobody is signed in yet).</summary>
    Task RecordAsync(AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, CancellationToken cancellationToken = default);
}

/// <summary>
/// Appends hash-chained events. The chain stays linear across processes and machines without a lock: PreviousHash is
/// unique in the table, so of two writers that read the same tail only one can insert; the other re-reads and retries.
/// </summary>
public sealed class AuditTrail(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock, ILogger<AuditTrail> logger) : IAuditTrail
{
    private const int Attempts = 20;

    public Task RecordAsync(AuditEntry entry, CancellationToken cancellationToken = default) =>
        RecordAsync(entry, user.UserId, user.UserName, user.FacilityId, user.RemoteAddress, cancellationToken);

    public async Task RecordAsync(
        AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var tail = await db.AuditEvents.AsNoTracking()
                .OrderByDescending(e => e.Sequence)
                .Select(e => e.Hash)
                .FirstOrDefaultAsync(cancellationToken) ?? AuditEvent.GenesisHash;
            var auditEvent = new AuditEvent(
                clock.GetUtcNow(), entry.Type, entry.Action, entry.Outcome, userId, userName, facilityId, address,
                entry.PatientId, entry.ObjectReference, entry.Description, tail);
            db.AuditEvents.Add(auditEvent);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return;
            }
            catch (DbUpdateException) when (attempt < Attempts)
            {
                logger.LogDebug("Audit chain tail moved while appending; retrying (attempt {Attempt})", attempt);
                await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
            }
        }
    }
}

/// <summary>Walks the whole trail in order and reports the first event whose hash or link does not hold.</summary>
public sealed class AuditVerifier(IDbContextFactory<ImagePortalDbContext> dbFactory)
{
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var previous = AuditEvent.GenesisHash;
        long count = 0;
        await foreach (var auditEvent in db.AuditEvents.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (!auditEvent.IsIntact)
            {
                return new AuditVerification(count, auditEvent.Sequence, "the event was changed after it was written");
            }

            if (!string.Equals(auditEvent.PreviousHash, previous, StringComparison.Ordinal))
            {
                return new AuditVerification(count, auditEvent.Sequence, "an event before it was removed or changed");
            }

            previous = auditEvent.Hash;
            count++;
        }

        return new AuditVerification(count, null, null);
    }
}

/// <param name="BrokenAt">Sequence of the first event that fails, or null when the whole trail is intact.</param>
public sealed record AuditVerification(long EventsChecked, long? BrokenAt, string? Problem)
{
    public bool IsIntact => BrokenAt is null;
}
