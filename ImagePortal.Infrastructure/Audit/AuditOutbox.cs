using System.Data.Common;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// The audit events of changes, committed with the changes themselves (<see cref="StagedAuditEvent"/>) and sealed into
/// the chain right after. The chain cannot be appended inside the change's own transaction without making every change
/// wait on (and retry for) the chain's tail; staging costs one insert in the change's transaction instead, and sealing
/// happens beside it. What a dead process left staged is sealed by the next <see cref="AuditOutboxSweeper"/> run of any
/// node, so an event is sealed at least once; the staged row is deleted in the transaction that seals it, so at most once.
/// </summary>
public sealed class AuditOutbox(
    IDbContextFactory<ImagePortalDbContext> dbFactory, TimeProvider clock, AuditKeyRing keys, AuditExportSignal exportSignal,
    AuditAppendGate gate, ILogger<AuditOutbox> logger)
{
    /// <summary>Staged events sealed per transaction.</summary>
    public const int BatchSize = 100;

    private const int Attempts = 20;

    /// <summary>What a sealing transaction returns when another writer got there first: it rolled back, and is tried again.</summary>
    private const int Raced = -1;

    /// <summary>Adds the event to <paramref name="db"/>'s changes: it commits with them, or not at all.</summary>
    public void Stage(ImagePortalDbContext db, AuditEntry entry, string? userId, string? userName, Guid? facilityId, string? address) =>
        db.StagedAuditEvents.Add(new StagedAuditEvent(entry, userId, userName, facilityId, address, clock.GetUtcNow()));

    /// <summary>
    /// Seals what was staged, after the change committed. A failure here loses nothing (the events stay staged for the
    /// sweep) and must not turn the committed change into an error for its caller: it is logged.
    /// </summary>
    public async Task SealAfterCommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SealAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogWarning(error, "Could not seal staged audit events now; the next sweep will");
        }
    }

    /// <summary>Seals every staged event, oldest first, and returns how many; throws what the database throws.</summary>
    public async Task<int> SealAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        await gate.WaitAsync(cancellationToken);
        try
        {
            int batch;
            do
            {
                batch = await SealBatchAsync(cancellationToken);
                total += batch;
            }
            while (batch == BatchSize);
        }
        finally
        {
            gate.Release();
            if (total > 0)
            {
                exportSignal.Notify();
            }
        }

        return total;
    }

    private async Task<int> SealBatchAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

                // Most sweeps find nothing: a read needs no write lock (a SQLite transaction takes the file's at its start).
                if (!await db.StagedAuditEvents.AnyAsync(cancellationToken))
                {
                    return 0;
                }

                var sealedCount = await db.Database.CreateExecutionStrategy().ExecuteAsync(
                    async ct =>
                    {
                        db.ChangeTracker.Clear();
                        await using var transaction = await db.Database.BeginTransactionAsync(ct);
                        var staged = await db.StagedAuditEvents.AsNoTracking().OrderBy(e => e.Id).Take(BatchSize).ToListAsync(ct);
                        if (staged.Count == 0)
                        {
                            return 0;
                        }

                        // The staged rows are claimed first: a node sealing the same rows at once waits on them until
                        // this one commits, then deletes none and rolls back (Raced), no save having failed.
                        var ids = staged.Select(e => e.Id).ToList();
                        if (await db.StagedAuditEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(ct) != staged.Count)
                        {
                            return Raced;
                        }

                        // One insert at a time: the chain's order is the order of Sequence, which the database gives in
                        // insert order. A direct append (AuditTrail) that took the tail first leaves ours undone: Raced.
                        var tail = await AuditTrail.TailAsync(db, ct);
                        foreach (var entry in staged)
                        {
                            var sealedEvent = entry.Seal(tail, keys.Current);
                            if (!await AuditTrail.AppendUnlessTailMovedAsync(db, sealedEvent, ct))
                            {
                                return Raced;
                            }

                            tail = sealedEvent.Hash;
                        }

                        await transaction.CommitAsync(ct);
                        return staged.Count;
                    },
                    cancellationToken);
                if (sealedCount != Raced)
                {
                    return sealedCount;
                }

                if (attempt >= Attempts)
                {
                    throw new InvalidOperationException($"Sealing staged audit events raced another writer {Attempts} times in a row.");
                }

                logger.LogDebug("Sealing staged audit events raced another writer; retrying (attempt {Attempt})", attempt);
            }
            catch (DbException busy) when (attempt < Attempts)
            {
                // SQLite with several processes: the file stayed busy while another node sealed; read again.
                logger.LogDebug(busy, "Sealing staged audit events found the database busy; retrying (attempt {Attempt})", attempt);
            }

            await Task.Delay(Random.Shared.Next(1, 10 * attempt), cancellationToken);
        }
    }
}
