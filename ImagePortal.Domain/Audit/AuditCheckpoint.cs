using System.Globalization;
using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Audit;

/// <summary>
/// A sealed statement "the chain reached event N with hash H": written periodically, sent to the syslog collector with
/// the events (an anchor outside the database), and the point an incremental verification starts from. Removing events
/// at or before a checkpoint, or recomputing their hashes, no longer matches it.
/// </summary>
public sealed class AuditCheckpoint
{
    private AuditCheckpoint()
    {
        Hash = string.Empty;
        KeyId = string.Empty;
        Seal = string.Empty;
    }

    /// <param name="earliestEventAt">
    /// The earliest time among the events after the previous checkpoint up to <paramref name="sequence"/> (see
    /// <see cref="EarliestEventAt"/>); null when unknown.
    /// </param>
    public AuditCheckpoint(long sequence, string hash, DateTimeOffset at, AuditChainKey key, DateTimeOffset? earliestEventAt)
        : this()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sequence);
        Sequence = sequence;
        Hash = hash;
        CreatedAt = StoredInstant.Of(at);
        EarliestEventAt = earliestEventAt is { } earliest ? StoredInstant.Of(earliest) : null;
        KeyId = key.Id;
        Seal = key.Seal(Canonical());
    }

    /// <summary>The sequence of the event the checkpoint vouches for.</summary>
    public long Sequence { get; private set; }

    /// <summary>That event's hash when the checkpoint was written.</summary>
    public string Hash { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public string KeyId { get; private set; }

    /// <summary>
    /// The earliest time (<see cref="AuditEvent.At"/>) among the events numbered after the checkpoint that was the last
    /// one when this one was written, up to <see cref="Sequence"/>; null when unknown (written before this was recorded
    /// and not filled in, or none of those events is left). An event's time does not follow its sequence (nodes'
    /// clocks, events sealed late from the outbox), so this is what says that no event of those numbers is older than
    /// a given time: a date range in the past finds from it the last sequence number that can hold one of its events.
    /// Not part of the seal (it was added to checkpoints already sealed): someone who can write the database could set
    /// one later to keep an event off a past range's page (not off the unfiltered trail or the export), so the full
    /// verification checks it against every event it covers.
    /// </summary>
    public DateTimeOffset? EarliestEventAt { get; private set; }

    /// <summary>HMAC of sequence, hash and time under the chain key: a forged or edited checkpoint does not verify.</summary>
    public string Seal { get; private set; }

    /// <summary>When a verification last walked the chain up to this checkpoint and found it whole.</summary>
    public DateTimeOffset? VerifiedAt { get; private set; }

    /// <summary>When the checkpoint was delivered to the syslog collector; null while it waits.</summary>
    public DateTimeOffset? ExportedAt { get; private set; }

    public bool IsAuthentic(AuditChainKey? key) =>
        key is not null && string.Equals(key.Id, KeyId, StringComparison.Ordinal) && key.Verify(Canonical(), Seal);

    public void MarkVerified(DateTimeOffset at) => VerifiedAt = at.ToUniversalTime();

    public void MarkExported(DateTimeOffset at) => ExportedAt = at.ToUniversalTime();

    private string Canonical() => string.Join('\u001f',
        "checkpoint", Sequence.ToString(CultureInfo.InvariantCulture), Hash, CreatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), KeyId);
}
