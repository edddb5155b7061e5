using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// How every command that changes a request runs: load it for the user's side (others get "not found"), check that
/// it is still the version the user looked at, let the entity apply the change (it refuses illegal transitions), and
/// save; if someone else saved first, the concurrency token makes this save fail and the user is told so plainly.
/// </summary>
public sealed class RequestChanges(
    IDbContextFactory<ImagePortalDbContext> dbFactory, RequestAccess access, TimeProvider clock, ChangeNotifier notifier, IAuditTrail audit, RequestNotifications notifications)
{
    public async Task<Result> ApplyAsync(
        string number, Guid? seenVersion, RequestSide side, Action<ImageRequest, DateTimeOffset> change, CancellationToken cancellationToken,
        Action<ImagePortalDbContext, ImageRequest, DateTimeOffset>? alongside = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = await access.FindAsync(db, number, side, cancellationToken);
        if (request is null)
        {
            return Result.NotFound(RequestAccess.NotFoundMessage);
        }

        if (seenVersion is not null && request.Version != seenVersion)
        {
            return Result.Conflict($"Request {number} was changed by someone else meanwhile ({ImageRequest.Describe(request.Status)} now). Reload it and decide again.");
        }

        var statusBefore = request.Status;
        var now = clock.GetUtcNow();
        try
        {
            change(request, now);

            // Whatever must be saved with the change goes into the same SaveChanges (the approval's retrieval job).
            alongside?.Invoke(db, request, now);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        var what = request.Events[^1];

        // The change and its audit event commit together (an event appended after the commit was lost with a process
        // that died in between); it is sealed into the chain right after.
        audit.Stage(db,
            new AuditEntry(AuditEventType.PatientRecord, AuditAction.Update, AuditOutcome.Success,
                $"Request {number}: {what.Kind} ({ImageRequest.Describe(statusBefore)} to {ImageRequest.Describe(request.Status)})",
                request.Patient.LocalMrn, number));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException conflict) when (conflict is DbUpdateConcurrencyException || DbErrors.IsDuplicateKey(conflict))
        {
            // The version check refuses the second of two saves; where the database inserts the change's new rows
            // before it updates the request (PostgreSQL), a row the first save added refuses it instead.
            return Result.Conflict($"Request {number} was changed by someone else at the same moment. Reload it and decide again.");
        }

        await audit.SealStagedAsync(cancellationToken);
        await notifier.PublishAsync(
            ChangeNotifier.Request(number), ChangeNotifier.Inbox(request.SourceFacilityId), ChangeNotifier.RequestsOf(request.RequestingFacilityId),
            ChangeNotifier.Jobs);
        await notifications.RequestChangedAsync(request, what.Kind, cancellationToken);
        return Result.Success();
    }
}
