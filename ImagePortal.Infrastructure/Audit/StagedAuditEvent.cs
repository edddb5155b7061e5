using ImagePortal.Domain.Audit;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// An audit event written in the same transaction as the change it tells of, not yet sealed into the chain. Sealing
/// (<see cref="AuditOutbox"/>) moves it into <see cref="AuditEvent"/>s in its own transaction right after the change
/// commits, or, if the process dies in between, at the next sweep of any node: the change and its audit event commit
/// together, so neither can exist without the other (before, a worker killed between a job's end and its audit
/// event lost the event).
/// </summary>
public sealed class StagedAuditEvent
{
    private StagedAuditEvent()
    {
        Description = string.Empty;
    }

    public StagedAuditEvent(AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address, DateTimeOffset at)
        : this()
    {
        At = at;
        Type = entry.Type;
        Action = entry.Action;
        Outcome = entry.Outcome;
        UserId = userId;
        UserName = AuditEvent.Clean(userName, 256);
        FacilityId = facilityId;
        Address = AuditEvent.Clean(address, 64);
        PatientId = AuditEvent.Clean(entry.PatientId, 64);
        ObjectReference = AuditEvent.Clean(entry.ObjectReference, 128);
        Description = AuditEvent.Clean(entry.Description, 1000) ?? string.Empty;
        StudyInstanceUid = AuditEvent.Clean(entry.StudyInstanceUid, 64);
    }

    /// <summary>Given by the database in insert order; events are sealed in this order.</summary>
    public long Id { get; private set; }

    /// <summary>When the change happened (and is audited as having happened), not when the event was sealed.</summary>
    public DateTimeOffset At { get; private set; }

    public AuditEventType Type { get; private set; }

    public AuditAction Action { get; private set; }

    public AuditOutcome Outcome { get; private set; }

    public string? UserId { get; private set; }

    public string? UserName { get; private set; }

    public Guid? FacilityId { get; private set; }

    public string? Address { get; private set; }

    public string? PatientId { get; private set; }

    public string? ObjectReference { get; private set; }

    public string Description { get; private set; }

    public string? StudyInstanceUid { get; private set; }

    public AuditEvent Seal(string previousHash, AuditChainKey key) =>
        new(At, Type, Action, Outcome, UserId, UserName, FacilityId, Address, PatientId, ObjectReference, Description, previousHash, key, StudyInstanceUid);
}
