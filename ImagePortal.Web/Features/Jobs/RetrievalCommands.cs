using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Notifications;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>Tries a failed retrieval again from the start (instances already imported are skipped).</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record RetryRetrieval(string Number) : ICommand<Result>;

/// <summary>Stops a queued or running retrieval; what was imported stays, the request ends.</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CancelRetrieval(string Number) : ICommand<Result>;

public sealed class RetryRetrievalHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access, TimeProvider clock, RetrievalSignal signal, ChangeNotifier notifier, IAuditTrail audit)
    : ICommandHandler<RetryRetrieval, Result>
{
    public async ValueTask<Result> Handle(RetryRetrieval command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await access.FindAsync(db, command.Number, cancellationToken) is not { } found)
        {
            return Result.NotFound(JobAccess.NotFoundMessage);
        }

        var now = clock.GetUtcNow();
        try
        {
            found.Job.Retry(now);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        // Conditional: of two simultaneous retries (or a retry racing a worker) one changes the row, the other is told.
        var changed = await db.RetrievalJobs
            .Where(j => j.Id == found.Job.Id && j.State == RetrievalJobState.Failed)
            .ExecuteUpdateAsync(set => set
                .SetProperty(j => j.State, RetrievalJobState.Queued)
                .SetProperty(j => j.Attempts, 0)
                .SetProperty(j => j.NextAttemptAt, now)
                .SetProperty(j => j.CancelRequested, false)
                .SetProperty(j => j.FinishedAt, (DateTimeOffset?)null), cancellationToken);
        if (changed != 1)
        {
            return Result.Conflict($"The retrieval of {command.Number} changed meanwhile. Reload and try again.");
        }

        await audit.RecordAsync(new AuditEntry(AuditEventType.PatientRecord, AuditAction.Execute, AuditOutcome.Success,
            $"Request {command.Number}: retrieval retried", found.Request.Patient.LocalMrn, command.Number), cancellationToken);
        signal.Pulse();
        await notifier.PublishAsync(ChangeNotifier.Request(command.Number), ChangeNotifier.Jobs);
        return Result.Success();
    }
}

public sealed class CancelRetrievalHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access, TimeProvider clock, RetrievalSignal signal, ChangeNotifier notifier, IAuditTrail audit)
    : ICommandHandler<CancelRetrieval, Result>
{
    public async ValueTask<Result> Handle(CancelRetrieval command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await access.FindAsync(db, command.Number, cancellationToken) is not { } found)
        {
            return Result.NotFound(JobAccess.NotFoundMessage);
        }

        var now = clock.GetUtcNow();
        try
        {
            found.Job.RequestCancel(now);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        var changed = await db.RetrievalJobs
            .Where(j => j.Id == found.Job.Id && !j.CancelRequested && (j.State == RetrievalJobState.Queued || j.State == RetrievalJobState.Running))
            .ExecuteUpdateAsync(set => set
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.NextAttemptAt, j => j.State == RetrievalJobState.Queued ? now : j.NextAttemptAt), cancellationToken);
        if (changed != 1)
        {
            return Result.Conflict($"The retrieval of {command.Number} changed meanwhile. Reload and try again.");
        }

        await audit.RecordAsync(new AuditEntry(AuditEventType.PatientRecord, AuditAction.Execute, AuditOutcome.Success,
            $"Request {command.Number}: cancelling the retrieval", found.Request.Patient.LocalMrn, command.Number), cancellationToken);
        signal.Pulse();
        await notifier.PublishAsync(ChangeNotifier.Request(command.Number), ChangeNotifier.Jobs);
        return Result.Success();
    }
}
