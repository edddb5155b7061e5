using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>Deletes a held instance for good: its file goes, its row stays Deleted with who, when and the reason.</summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record DeleteQuarantinedInstance(Guid Id, string Reason) : ICommand<Result>;

public sealed class DeleteQuarantinedInstanceValidator : IValidator<DeleteQuarantinedInstance>
{
    public IEnumerable<string> Validate(DeleteQuarantinedInstance message) => QuarantineRules.ValidateReason(message.Reason);
}

public sealed class DeleteQuarantinedInstanceHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, QuarantineAccess access, QuarantineStore store, ICurrentUser user, IAuditTrail audit, TimeProvider clock)
    : ICommandHandler<DeleteQuarantinedInstance, Result>
{
    public async ValueTask<Result> Handle(DeleteQuarantinedInstance command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await access.FindAsync(db, command.Id, "Deleting a quarantined instance", cancellationToken) is not { } held)
        {
            return Result.NotFound(QuarantineAccess.NotFoundMessage);
        }

        try
        {
            held.Delete(user.UserName ?? user.UserId ?? "unknown", command.Reason, clock.GetUtcNow());
        }
        catch (DomainException error)
        {
            return Result.Invalid(error.Message);
        }

        // The file goes first: a row that says Deleted while its file is still there would hide it from the retention.
        if (store.Delete(held.FileName) is { } problem)
        {
            return Result.Fail(FailureKind.Unavailable, $"The file of quarantined instance {held.SopInstanceUid} could not be removed ({problem}); it stays held.");
        }

        var number = await db.ImageRequests.Where(r => r.Id == held.RequestId).Select(r => r.Number).SingleAsync(cancellationToken);
        audit.Stage(db,
            new AuditEntry(AuditEventType.PatientRecord, AuditAction.Delete, AuditOutcome.Success,
                $"Request {number}: quarantined instance {held.SopInstanceUid} ({held.Bytes} bytes, received {held.ReceivedAt:u}) deleted: {held.Resolution}",
                held.PatientId, number));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Result.Conflict($"Quarantined instance {held.SopInstanceUid} changed meanwhile (released, deleted or purged). Reload the list.");
        }

        await audit.SealStagedAsync(cancellationToken);
        return Result.Success();
    }
}
