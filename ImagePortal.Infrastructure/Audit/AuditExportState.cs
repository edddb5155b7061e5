namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// How far an export of the audit trail has got. The trail itself is the outbox: events are never changed or removed,
/// and each commits after the one before it, so "everything after <see cref="LastSequence"/>" is exactly what the
/// collector has not received, however long it was away. The lease lets one node of many send at a time.
/// </summary>
public sealed class AuditExportState
{
    public const string Syslog = "syslog";

    private AuditExportState()
    {
        Name = string.Empty;
    }

    public AuditExportState(string name)
    {
        Name = name;
    }

    public string Name { get; private set; }

    /// <summary>The last event delivered to the collector (0: none yet).</summary>
    public long LastSequence { get; private set; }

    public DateTimeOffset? LastDeliveredAt { get; private set; }

    public string? LastError { get; private set; }

    public DateTimeOffset? LastErrorAt { get; private set; }

    public string? LeaseOwner { get; private set; }

    public DateTimeOffset? LeaseExpiresAt { get; private set; }
}
