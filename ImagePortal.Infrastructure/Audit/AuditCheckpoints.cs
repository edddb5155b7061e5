using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// Writes checkpoints at the tail of the chain. Every node does, so two may write the one for the same event at once:
/// the second finds the first's in place (<see cref="InsertUnlessPresent"/>) and goes on from it, as it does from one it
/// read before writing, with nothing logged above Debug.
/// </summary>
public sealed class AuditCheckpoints(
    IDbContextFactory<ImagePortalDbContext> dbFactory, AuditKeyRing keys, TimeProvider clock, IOptions<AuditOptions> options,
    AuditExportSignal exportSignal, ILogger<AuditCheckpoints> logger)
{
    /// <summary>
    /// A checkpoint at the current tail when <see cref="AuditOptions.CheckpointEvery"/> events or
    /// <see cref="AuditOptions.CheckpointInterval"/> have passed since the last one; returns it, or null when none was due.
    /// </summary>
    public async Task<AuditCheckpoint?> WriteIfDueAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var last = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence)
            .Select(c => new { c.Sequence, c.CreatedAt }).FirstOrDefaultAsync(cancellationToken);
        var tail = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence)
            .Select(e => e.Sequence).FirstOrDefaultAsync(cancellationToken);
        if (tail == 0 || tail <= (last?.Sequence ?? 0))
        {
            return null;
        }

        var due = last is null || tail - last.Sequence >= options.Value.CheckpointEvery ||
                  clock.GetUtcNow() - last.CreatedAt >= options.Value.CheckpointInterval;
        return due ? await WriteAsync(tail, verified: false, cancellationToken) : null;
    }

    /// <summary>
    /// A checkpoint for the event with that sequence, if that event's own seal holds (a checkpoint never vouches for an
    /// event that is already forged). Null when there is no such event, it is not intact, or it already has one.
    /// </summary>
    public async Task<AuditCheckpoint?> WriteAsync(long sequence, bool verified, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tail = await db.AuditEvents.AsNoTracking().SingleOrDefaultAsync(e => e.Sequence == sequence, cancellationToken);
        if (tail is null || !tail.IsIntactUnder(keys.Find(tail.KeyId)) ||
            await db.AuditCheckpoints.AnyAsync(c => c.Sequence == tail.Sequence, cancellationToken))
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var checkpoint = new AuditCheckpoint(tail.Sequence, tail.Hash, now, keys.Current, await EarliestEventAtAsync(db, tail.Sequence, cancellationToken));
        if (verified)
        {
            checkpoint.MarkVerified(now);
        }

        if (!await db.InsertUnlessPresentAsync(checkpoint, cancellationToken))
        {
            // Another node wrote the checkpoint for this event a moment earlier (an event has one hash): one is enough.
            logger.LogDebug("Another node wrote the audit checkpoint at sequence {Sequence} first", checkpoint.Sequence);
            return null;
        }

        exportSignal.Notify();
        return checkpoint;
    }

    /// <summary>
    /// The earliest time among the events after the last checkpoint below <paramref name="sequence"/>, up to it. Final
    /// once read: every event up to <paramref name="sequence"/> has committed (an event commits only after the one
    /// before it, see <see cref="AuditTrail"/>), and one appended later gets a larger number. A checkpoint that another
    /// node writes between the two at the same time only narrows what this one covers, so the earliest time stays at or
    /// before every event it covers.
    /// </summary>
    internal static async Task<DateTimeOffset?> EarliestEventAtAsync(ImagePortalDbContext db, long sequence, CancellationToken cancellationToken)
    {
        var previous = await db.AuditCheckpoints.AsNoTracking().Where(c => c.Sequence < sequence)
            .MaxAsync(c => (long?)c.Sequence, cancellationToken) ?? 0;
        return await db.AuditEvents.AsNoTracking().Where(e => e.Sequence > previous && e.Sequence <= sequence)
            .MinAsync(e => (DateTimeOffset?)e.At, cancellationToken);
    }
}
