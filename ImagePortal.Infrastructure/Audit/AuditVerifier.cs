using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>How much of the chain a verification walks.</summary>
public enum AuditVerificationScope
{
    /// <summary>Every checkpoint and the events since the last verified one: well under a second at any size.</summary>
    SinceLastCheckpoint,

    /// <summary>Every event from the first.</summary>
    Full,
}

/// <summary>
/// Checks the audit trail. Every verification checks all checkpoints (each sealed under the key, each still matching
/// its event) and that nothing the syslog collector received is missing from the end, then walks events: from the
/// last checkpoint an earlier verification passed, or from the first event. Each event must carry its predecessor's
/// hash and its own seal must hold under the key that made it, and no checkpoint may record an earliest event time
/// later than an event it covers (<see cref="AuditCheckpoint.EarliestEventAt"/>, which is not sealed). It reports the
/// first place where the chain breaks.
/// </summary>
public sealed class AuditVerifier(IDbContextFactory<ImagePortalDbContext> dbFactory, AuditKeyRing keys, AuditCheckpoints checkpoints, TimeProvider clock)
{
    /// <summary>Events between two reports of progress.</summary>
    public int ProgressEvery { get; set; } = 10_000;

    public async Task<AuditVerification> VerifyAsync(
        AuditVerificationScope scope = AuditVerificationScope.SinceLastCheckpoint, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var anchors = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
        if (await CheckAnchorsAsync(db, anchors, cancellationToken) is { } broken)
        {
            return broken;
        }

        var start = scope == AuditVerificationScope.Full ? null : anchors.LastOrDefault(c => c.VerifiedAt is not null);
        var previous = start?.Hash ?? AuditEvent.GenesisHash;
        var sealedSeen = start is not null;
        long count = 0;
        long last = 0;
        var passed = new List<long>();
        var bySequence = anchors.ToDictionary(c => c.Sequence);
        var covering = 0; // the first checkpoint at or after the event walked: its earliest time may not be later than the event's
        var events = db.AuditEvents.AsNoTracking().Where(e => e.Sequence > (start == null ? 0 : start.Sequence)).OrderBy(e => e.Sequence);
        var enumerator = events.AsAsyncEnumerable().GetAsyncEnumerator(cancellationToken);
        await using var _ = enumerator;
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync())
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopped (the auditor cancelled, or the node stops): what was walked up to here is verified all the
                // same, so the next verification starts there instead of walking it again.
                await RememberAsync(db, passed, last, CancellationToken.None);
                progress?.Report(count);
                return new AuditVerification(count, null, null, start?.Sequence, Cancelled: true);
            }

            var auditEvent = enumerator.Current;
            if (!string.Equals(auditEvent.PreviousHash, previous, StringComparison.Ordinal))
            {
                return Broken(count, auditEvent.Sequence, "an event before it was removed or changed", start);
            }

            if (auditEvent.KeyId is null && sealedSeen)
            {
                return Broken(count, auditEvent.Sequence, "it carries no key although events before it do: it was written or rewritten outside the portal", start);
            }

            if (auditEvent.KeyId is not null && keys.Find(auditEvent.KeyId) is null)
            {
                return Broken(count, auditEvent.Sequence, UnknownKey("it", auditEvent.KeyId), start);
            }

            if (!auditEvent.IsIntactUnder(keys.Find(auditEvent.KeyId)))
            {
                return Broken(count, auditEvent.Sequence, "the event was changed after it was written", start);
            }

            while (covering < anchors.Count && anchors[covering].Sequence < auditEvent.Sequence)
            {
                covering++;
            }

            if (covering < anchors.Count && anchors[covering].EarliestEventAt > auditEvent.At)
            {
                // Not a broken chain, but an altered checkpoint: a date range in the past finds its page from these
                // times (AuditSequenceBound), and a time later than an event's would leave that event off such a page.
                return Broken(count, auditEvent.Sequence, $"the checkpoint at #{anchors[covering].Sequence} records an earliest event time later " +
                    "than this event's: the checkpoint was altered, and a date-range page could leave this event out", start);
            }

            sealedSeen |= auditEvent.KeyId is not null;
            if (bySequence.ContainsKey(auditEvent.Sequence))
            {
                passed.Add(auditEvent.Sequence);
            }

            previous = auditEvent.Hash;
            last = auditEvent.Sequence;
            if (++count % ProgressEvery == 0)
            {
                progress?.Report(count);
            }
        }

        await RememberAsync(db, passed, last, cancellationToken);
        return new AuditVerification(count, null, null, start?.Sequence);
    }

    /// <summary>
    /// The anchors outside the walk: each checkpoint's seal, the event it vouches for, and the export cursor (the
    /// collector holds every event up to it, so the database must too).
    /// </summary>
    private async Task<AuditVerification?> CheckAnchorsAsync(ImagePortalDbContext db, List<AuditCheckpoint> anchors, CancellationToken cancellationToken)
    {
        foreach (var checkpoint in anchors.Where(c => !c.IsAuthentic(keys.Find(c.KeyId))).Take(1))
        {
            return Broken(0, checkpoint.Sequence, keys.Find(checkpoint.KeyId) is null
                ? UnknownKey("its checkpoint", checkpoint.KeyId)
                : "its checkpoint does not carry a valid seal: the checkpoint was forged or altered", null);
        }

        // Each checkpoint against its event, compared in the database: only a checkpoint that fails comes back. Loading
        // the events (whole rows, 500 at a time) cost as much as the rest of a quick verification at a million events.
        var failing = await FailingCheckpoints(db).FirstOrDefaultAsync(cancellationToken);
        if (failing is not null)
        {
            return Broken(0, failing.Sequence, failing.Missing
                ? $"the event a checkpoint of {failing.CreatedAt:yyyy-MM-dd HH:mm} UTC vouches for is missing: events were removed"
                : $"the event no longer has the hash its checkpoint of {failing.CreatedAt:yyyy-MM-dd HH:mm} UTC recorded: the chain was rewritten", null);
        }

        var exported = await db.AuditExports.AsNoTracking().MaxAsync(s => (long?)s.LastSequence, cancellationToken) ?? 0;
        var tail = await db.AuditEvents.AsNoTracking().MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0;
        return exported > tail
            ? Broken(0, tail + 1, $"the syslog collector received events up to sequence {exported}, but the trail ends at {tail}: events were removed from its end", null)
            : null;
    }

    /// <summary>Checkpoints whose event is missing or has another hash, first first; each event read by its key.</summary>
    internal static IQueryable<FailingCheckpoint> FailingCheckpoints(ImagePortalDbContext db) =>
        from checkpoint in db.AuditCheckpoints.AsNoTracking()
        join auditEvent in db.AuditEvents.AsNoTracking() on checkpoint.Sequence equals auditEvent.Sequence into matched
        from auditEvent in matched.DefaultIfEmpty()
        where auditEvent == null || auditEvent.Hash != checkpoint.Hash
        orderby checkpoint.Sequence
        select new FailingCheckpoint(checkpoint.Sequence, checkpoint.CreatedAt, auditEvent == null);

    internal sealed record FailingCheckpoint(long Sequence, DateTimeOffset CreatedAt, bool Missing);

    /// <summary>
    /// Marks the checkpoints the walk passed as verified and seals the last event it walked in a new verified checkpoint,
    /// so the next verification starts there (not at the tail of now: events written meanwhile were not walked).
    /// </summary>
    private async Task RememberAsync(ImagePortalDbContext db, List<long> passed, long last, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var chunk in passed.Chunk(500))
        {
            var sequences = chunk.ToList();
            foreach (var checkpoint in await db.AuditCheckpoints.Where(c => sequences.Contains(c.Sequence)).ToListAsync(cancellationToken))
            {
                checkpoint.MarkVerified(now);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        if (last > 0)
        {
            await checkpoints.WriteAsync(last, verified: true, cancellationToken);
        }
    }

    private static string UnknownKey(string what, string keyId) =>
        $"{what} was sealed under key {keyId}, which this portal does not hold: add that key to Audit:PreviousChainKeys, or it is forged";

    private static AuditVerification Broken(long count, long sequence, string problem, AuditCheckpoint? start) =>
        new(count, sequence, problem, start?.Sequence);
}

/// <param name="EventsChecked">Events walked (from <paramref name="CheckedFrom"/> on).</param>
/// <param name="BrokenAt">Sequence of the first event that fails, or null when the trail is intact.</param>
/// <param name="CheckedFrom">The verified checkpoint the walk started after; null when it started at the first event.</param>
/// <param name="Cancelled">Stopped before the end of the trail: the events walked were intact, the rest were not checked.</param>
public sealed record AuditVerification(long EventsChecked, long? BrokenAt, string? Problem, long? CheckedFrom = null, bool Cancelled = false)
{
    /// <summary>No break found in what was walked (all of it, unless <see cref="Cancelled"/>).</summary>
    public bool IsIntact => BrokenAt is null;
}
