using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>
/// The instances a request's retrieval could not import, each with its reason as the worker recorded it (the source's
/// status and comment, the destination's refusal, ...), one page in SOP Instance UID order, for the request page.
/// </summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListFailedInstances(string Number, int PageIndex, int PageSize) : IQuery<Result<Page<FailedInstanceRow>>>;

/// <param name="Study">The study as approved, in words (<see cref="Labels.Study"/>); the UIDs are for a PACS administrator.</param>
public sealed record FailedInstanceRow(string StudyInstanceUid, string Study, string SopInstanceUid, string Reason, DateTimeOffset At);

public sealed class ListFailedInstancesValidator : IValidator<ListFailedInstances>
{
    public IEnumerable<string> Validate(ListFailedInstances message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class ListFailedInstancesHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access)
    : IQueryHandler<ListFailedInstances, Result<Page<FailedInstanceRow>>>
{
    public async ValueTask<Result<Page<FailedInstanceRow>>> Handle(ListFailedInstances query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await access.FindAsync(db, query.Number, cancellationToken) is not { } found)
        {
            return Result<Page<FailedInstanceRow>>.NotFound(JobAccess.NotFoundMessage);
        }

        var failures = db.FailedInstances.AsNoTracking().Where(f => f.JobId == found.Job.Id);
        var total = await failures.CountAsync(cancellationToken);
        var page = await failures
            .OrderBy(f => f.SopInstanceUid)
            // One instance may have failed in more than one attempt: a row of its own each, in one order on every page.
            .ThenBy(f => f.Id)
            .Skip(query.PageIndex * query.PageSize)
            .Take(query.PageSize)
            .Select(f => new { f.StudyInstanceUid, f.SopInstanceUid, f.Reason, f.At })
            .ToListAsync(cancellationToken);
        var studies = found.Request.Studies.GroupBy(s => s.StudyInstanceUid).ToDictionary(g => g.Key, g => g.First());
        var rows = page.Select(f => new FailedInstanceRow(
                f.StudyInstanceUid,
                studies.GetValueOrDefault(f.StudyInstanceUid) is { } study ? Labels.Study(study.StudyDate, study.Modalities, study.Description) : "Not an approved study",
                f.SopInstanceUid, f.Reason, f.At))
            .ToList();
        return Result<Page<FailedInstanceRow>>.Success(new Page<FailedInstanceRow>(rows, total, query.PageIndex, query.PageSize));
    }
}
