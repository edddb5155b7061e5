using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// Expires undecided requests past due plus the grace period. Safe on several nodes at once: each request is saved
/// with its concurrency token, so a request that one node (or an approver) changed meanwhile is simply skipped.
/// </summary>
public sealed class RequestExpiry(
    IDbContextFactory<ImagePortalDbContext> dbFactory, IOptions<RequestExpirySettings> settings, TimeProvider clock,
    IAuditTrail audit, ChangeNotifier notifier, RequestNotifications notifications, ILogger<RequestExpiry> logger)
{
    private const int Batch = 100;

    /// <summary>Expires every request that is due for it; returns how many it expired.</summary>
    public async Task<int> ExpireOverdueAsync(CancellationToken cancellationToken)
    {
        var expired = 0;
        while (true)
        {
            var now = clock.GetUtcNow();
            var cutoff = now - settings.Value.GracePeriod;
            List<Guid> candidates;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            {
                RequestStatus[] undecided = [RequestStatus.Submitted, RequestStatus.Claimed];
                candidates = await db.ImageRequests.AsNoTracking()
                    .Where(r => undecided.Contains(r.Status) && r.DueAt < cutoff)
                    .OrderBy(r => r.DueAt)
                    .Select(r => r.Id)
                    .Take(Batch)
                    .ToListAsync(cancellationToken);
            }

            var expiredNow = 0;
            foreach (var id in candidates)
            {
                if (await TryExpireAsync(id, cutoff, cancellationToken))
                {
                    expiredNow++;
                }
            }

            expired += expiredNow;
            if (candidates.Count < Batch || expiredNow == 0)
            {
                return expired;
            }
        }
    }

    private async Task<bool> TryExpireAsync(Guid id, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await db.ImageRequests.Include(r => r.Events).FirstOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null || !request.Allows(RequestAction.Expire, RequestActor.Portal, null) || request.DueAt >= cutoff)
        {
            return false;
        }

        var statusBefore = request.Status;
        request.Expire(clock.GetUtcNow());
        audit.Stage(db,
            new AuditEntry(AuditEventType.PatientRecord, AuditAction.Update, AuditOutcome.Success,
                $"Request {request.Number}: Expired ({ImageRequest.Describe(statusBefore)} to {ImageRequest.Describe(request.Status)}), no decision by {request.DueAt:u}",
                request.Patient.LocalMrn, request.Number),
            userId: null, userName: "system", facilityId: request.SourceFacilityId, address: null);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("Request {Number} changed while it was being expired; left as it is", request.Number);
            return false;
        }

        logger.LogInformation("Request {Number} expired unanswered (due {DueAt:u})", request.Number, request.DueAt);
        await audit.SealStagedAsync(cancellationToken);
        await notifier.PublishAsync(
            ChangeNotifier.Request(request.Number), ChangeNotifier.Inbox(request.SourceFacilityId), ChangeNotifier.RequestsOf(request.RequestingFacilityId));
        await notifications.RequestChangedAsync(request, RequestEventKind.Expired, cancellationToken);
        return true;
    }
}
