using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Administration;

/// <summary>
/// The quarantine as the administrator may see it (<see cref="QuarantineAccess"/>), newest first, one page: the held
/// instances, or with <see cref="IncludeEnded"/> also those released, deleted or purged.
/// </summary>
[AuthorizeMessage(Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListQuarantinedInstances(bool IncludeEnded, int PageIndex, int PageSize) : IQuery<Result<Page<QuarantineRow>>>;

/// <param name="PatientId">The Patient ID found in the instance (the source's, never reconciled).</param>
public sealed record QuarantineRow(
    Guid Id, DateTimeOffset ReceivedAt, string Number, string? SourceAeTitle, string SourceFacility, string SopInstanceUid, string? StudyInstanceUid,
    string? PatientId, string Reason, long Bytes, QuarantineState State, string? ResolvedBy, DateTimeOffset? ResolvedAt, string? Resolution)
{
    public bool IsHeld => State == QuarantineState.Held;
}

public sealed class ListQuarantinedInstancesValidator : IValidator<ListQuarantinedInstances>
{
    public IEnumerable<string> Validate(ListQuarantinedInstances message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class ListQuarantinedInstancesHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, QuarantineAccess access)
    : IQueryHandler<ListQuarantinedInstances, Result<Page<QuarantineRow>>>
{
    public async ValueTask<Result<Page<QuarantineRow>>> Handle(ListQuarantinedInstances query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var visible = access.Visible(db).AsNoTracking();
        if (!query.IncludeEnded)
        {
            visible = visible.Where(q => q.State == QuarantineState.Held);
        }

        var total = await visible.CountAsync(cancellationToken);
        var rows = await (
                from q in visible
                join r in db.ImageRequests on q.RequestId equals r.Id
                join f in db.Facilities on r.SourceFacilityId equals f.Id
                orderby q.ReceivedAt descending, q.Id
                select new QuarantineRow(
                    q.Id, q.ReceivedAt, r.Number, q.SourceAeTitle, f.Code, q.SopInstanceUid, q.StudyInstanceUid, q.PatientId, q.Reason, q.Bytes, q.State,
                    q.ResolvedBy, q.ResolvedAt, q.Resolution))
            .Skip(query.PageIndex * query.PageSize)
            .Take(query.PageSize)
            .ToListAsync(cancellationToken);
        return new Page<QuarantineRow>(rows, total, query.PageIndex, query.PageSize);
    }
}
