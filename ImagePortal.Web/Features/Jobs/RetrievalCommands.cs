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
using Microsoft.EntityFrameworkCore.Query;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>
/// Tries a failed retrieval again. Instances already imported are skipped (the ledger); the failures recorded by the
/// previous attempts are cleared, so the request shows only what fails this time.
/// </summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record RetryRetrieval(string Number) : ICommand<Result>;

/// <summary>Stops a queued or running retrieval; what was imported stays, the request ends.</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record CancelRetrieval(string Number) : ICommand<Result>;

public sealed class RetrievalCommandHandlers(
    IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access, TimeProvider clock, RetrievalSignal signal, ChangeNotifier notifier, IAuditTrail audit)
    : ICommandHandler<RetryRetrieval, Result>, ICommandHandler<CancelRetrieval, Result>
{
    public ValueTask<Result> Handle(RetryRetrieval command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return ChangeAsync(command.Number, "retrieval retried", job => job.Retry(now),
            jobs => jobs.Where(j => j.State == RetrievalJobState.Failed),
            set => set
                .SetProperty(j => j.State, RetrievalJobState.Queued)
                .SetProperty(j => j.Attempts, 0)
                .SetProperty(j => j.NextAttemptAt, now)
                .SetProperty(j => j.CancelRequested, false)
                .SetProperty(j => j.FinishedAt, (DateTimeOffset?)null),
            async (db, jobId) => await db.FailedInstances.Where(f => f.JobId == jobId).ExecuteDeleteAsync(cancellationToken),
            cancellationToken);
    }

    public ValueTask<Result> Handle(CancelRetrieval command, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        return ChangeAsync(command.Number, "cancelling the retrieval", job => job.RequestCancel(now),
            jobs => jobs.Where(j => !j.CancelRequested && (j.State == RetrievalJobState.Queued || j.State == RetrievalJobState.Running)),
            set => set
                .SetProperty(j => j.CancelRequested, true)
                .SetProperty(j => j.NextAttemptAt, j => j.State == RetrievalJobState.Queued ? now : j.NextAttemptAt),
            null,
            cancellationToken);
    }

    /// <summary>
    /// Finds the job as the user may see it, lets the domain decide, then changes the row with one conditional UPDATE
    /// (the same condition as the domain's): of two simultaneous clicks, or a click racing a worker, one changes the
    /// row and the other is told. Audited, and the worker and the open pages are told at once.
    /// </summary>
    private async ValueTask<Result> ChangeAsync(
        string number, string what, Action<RetrievalJob> decide, Func<IQueryable<RetrievalJob>, IQueryable<RetrievalJob>> stillAllowed,
        Action<UpdateSettersBuilder<RetrievalJob>> change,
        Func<ImagePortalDbContext, Guid, Task>? alsoInTransaction, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await access.FindAsync(db, number, cancellationToken) is not { } found)
        {
            return Result.NotFound(JobAccess.NotFoundMessage);
        }

        try
        {
            decide(found.Job);
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        // The change and its audit event commit together; the event is sealed into the chain right after.
        audit.Stage(db, new AuditEntry(AuditEventType.PatientRecord, AuditAction.Execute, AuditOutcome.Success,
            $"Request {number}: {what}", found.Request.Patient.LocalMrn, number));
        var strategy = db.Database.CreateExecutionStrategy();
        var changed = await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (await stillAllowed(db.RetrievalJobs.Where(j => j.Id == found.Job.Id)).ExecuteUpdateAsync(change, cancellationToken) != 1)
            {
                return false;
            }

            if (alsoInTransaction is not null)
            {
                await alsoInTransaction(db, found.Job.Id);
            }

            // Not accepted until committed: a retried transaction saves the audit event again.
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        if (!changed)
        {
            return Result.Conflict($"The retrieval of {number} changed meanwhile. Reload and try again.");
        }

        db.ChangeTracker.AcceptAllChanges();
        await audit.SealStagedAsync(cancellationToken);
        signal.Pulse();
        await notifier.PublishAsync(ChangeNotifier.Request(number), ChangeNotifier.Jobs);
        return Result.Success();
    }
}
