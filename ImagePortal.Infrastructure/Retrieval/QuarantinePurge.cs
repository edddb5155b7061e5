using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The quarantine's retention (<c>Retrieval:QuarantineRetention</c>, <c>Retrieval:QuarantineLimitBytes</c>): held
/// instances older than the retention are purged, then the oldest while the held ones total more than the limit. A
/// purge removes the file and keeps the row (Purged, when, why), and is an audit event. Safe on several worker nodes
/// at once: the row's state is its concurrency token, so an instance another node (or an administrator) ended
/// meanwhile is simply skipped.
/// </summary>
public sealed class QuarantinePurge(
    IDbContextFactory<ImagePortalDbContext> dbFactory, QuarantineStore store, IOptionsMonitor<RetrievalOptions> options, IServiceScopeFactory scopes,
    TimeProvider clock, ILogger<QuarantinePurge> logger)
{
    private const int Batch = 100;

    /// <summary>Purges what the retention and the limit say; returns how many instances it purged.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var cutoff = clock.GetUtcNow() - settings.QuarantineRetention;
        var why = $"held longer than the quarantine retention ({settings.QuarantineRetention.TotalDays:0.##} days)";
        var purged = 0;
        while (true)
        {
            List<Held> old;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                old = await HeldOldestFirst(db, cutoff).Take(Batch).ToListAsync(cancellationToken);
            }

            var now = 0;
            foreach (var held in old)
            {
                now += await PurgeOneAsync(held, why, cancellationToken) ? 1 : 0;
            }

            purged += now;
            if (old.Count < Batch || now == 0)
            {
                break;
            }
        }

        return purged + await PurgeOverLimitAsync(settings.QuarantineLimitBytes, cancellationToken);
    }

    private async Task<int> PurgeOverLimitAsync(long limit, CancellationToken cancellationToken)
    {
        var purged = 0;
        var why = $"the quarantine held more than its limit of {limit} bytes; the oldest held instances were purged";
        while (true)
        {
            long total;
            List<Held> oldest;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                total = await db.QuarantinedInstances.Where(q => q.State == QuarantineState.Held).SumAsync(q => q.Bytes, cancellationToken);
                if (total <= limit)
                {
                    return purged;
                }

                oldest = await HeldOldestFirst(db, DateTimeOffset.MaxValue).Take(Batch).ToListAsync(cancellationToken);
            }

            var progressed = false;
            foreach (var held in oldest)
            {
                if (total <= limit)
                {
                    return purged;
                }

                if (await PurgeOneAsync(held, why, cancellationToken))
                {
                    purged++;
                    progressed = true;
                }

                // Purged here or ended elsewhere meanwhile: either way it no longer counts.
                total -= held.Bytes;
            }

            if (!progressed && oldest.Count < Batch)
            {
                return purged;
            }
        }
    }

    private static IQueryable<Held> HeldOldestFirst(ImagePortalDbContext db, DateTimeOffset receivedBefore) =>
        from q in db.QuarantinedInstances.AsNoTracking()
        join r in db.ImageRequests on q.RequestId equals r.Id
        where q.State == QuarantineState.Held && q.ReceivedAt < receivedBefore
        orderby q.ReceivedAt, q.Id
        select new Held(q.Id, q.ReceivedAt, q.Bytes, r.Number);

    private async Task<bool> PurgeOneAsync(Held held, string why, CancellationToken cancellationToken)
    {
        QuarantinedInstance? instance;
        await using var scope = scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            instance = await db.QuarantinedInstances.FirstOrDefaultAsync(q => q.Id == held.Id, cancellationToken);
            if (instance is null || !instance.IsHeld)
            {
                return false;
            }

            instance.Purge(why, clock.GetUtcNow());
            audit.Stage(db,
                new AuditEntry(AuditEventType.PatientRecord, AuditAction.Delete, AuditOutcome.Success,
                    $"Request {held.Number}: quarantined instance {instance.SopInstanceUid} ({instance.Bytes} bytes, received {instance.ReceivedAt:u}) purged: {why}",
                    instance.PatientId, held.Number),
                userId: null, userName: "quarantine retention", facilityId: null, address: null);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                return false;
            }
        }

        await audit.SealStagedAsync(cancellationToken);
        if (store.Delete(instance.FileName) is { } problem)
        {
            logger.LogWarning("Quarantined instance {Id} was purged but its file {File} could not be removed: {Problem}", instance.Id, instance.FileName, problem);
        }

        logger.LogInformation("Purged quarantined instance {Id} of {Number}: {Why}", instance.Id, held.Number, why);
        return true;
    }

    private sealed record Held(Guid Id, DateTimeOffset ReceivedAt, long Bytes, string Number);
}
