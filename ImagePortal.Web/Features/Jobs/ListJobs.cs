using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>The Jobs board: retrievals the user may see (scoped by <see cref="JobAccess"/>), running and failed first, one page.</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListJobs(int PageIndex, int PageSize) : IQuery<Result<Page<JobRow>>>;

/// <summary>The progress of one request's retrieval (request page); null when the request has no job yet.</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record GetJobProgress(string Number) : IQuery<Result<JobRow?>>;

public sealed record StudyProgressRow(string StudyInstanceUid, int Expected, int Done, int Failed, long Bytes, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    /// <summary>Instances per second since the study started (null before it did).</summary>
    public double? Rate(DateTimeOffset now) =>
        StartedAt is { } started && Done > 0 && ((FinishedAt ?? now) - started).TotalSeconds is var seconds and > 0 ? Done / seconds : null;

    /// <summary>Time left at the current rate, while the study runs.</summary>
    public TimeSpan? EstimatedTimeLeft(DateTimeOffset now) =>
        FinishedAt is null && Rate(now) is { } rate && Expected > Done ? TimeSpan.FromSeconds((Expected - Done) / rate) : null;
}

public sealed record JobRow(
    string Number, RetrievalJobState State, int Attempts, DateTimeOffset NextAttemptAt, int Expected, int Done, int Failed, long Bytes,
    string? LastError, bool CancelRequested, DateTimeOffset CreatedAt, IReadOnlyList<StudyProgressRow> Studies)
{
    public bool CanRetry => State == RetrievalJobState.Failed;

    public bool CanCancel => State is RetrievalJobState.Queued or RetrievalJobState.Running && !CancelRequested;
}

public sealed class ListJobsValidator : IValidator<ListJobs>
{
    public IEnumerable<string> Validate(ListJobs message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class ListJobsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access)
    : IQueryHandler<ListJobs, Result<Page<JobRow>>>, IQueryHandler<GetJobProgress, Result<JobRow?>>
{
    public async ValueTask<Result<Page<JobRow>>> Handle(ListJobs query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var visible = access.Visible(db).AsNoTracking();
        var total = await visible.CountAsync(cancellationToken);
        var rows = await Project(db, visible
                .OrderBy(j => j.State == RetrievalJobState.Running ? 0 : j.State == RetrievalJobState.Failed ? 1 : j.State == RetrievalJobState.Queued ? 2 : 3)
                .ThenByDescending(j => j.CreatedAt)
                .Skip(query.PageIndex * query.PageSize)
                .Take(query.PageSize))
            .ToListAsync(cancellationToken);
        return new Page<JobRow>(rows, total, query.PageIndex, query.PageSize);
    }

    public async ValueTask<Result<JobRow?>> Handle(GetJobProgress query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await Project(db, access.Visible(db).AsNoTracking()
                .Where(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == query.Number)))
            .FirstOrDefaultAsync(cancellationToken);
        return Result<JobRow?>.Success(row);
    }

    private static IQueryable<JobRow> Project(ImagePortalDbContext db, IQueryable<RetrievalJob> jobs) =>
        from job in jobs
        join request in db.ImageRequests on job.RequestId equals request.Id
        select new JobRow(
            request.Number, job.State, job.Attempts, job.NextAttemptAt, job.ExpectedInstances, job.DoneInstances, job.FailedInstances, job.DoneBytes,
            job.LastError, job.CancelRequested, job.CreatedAt,
            job.Studies.Select(s => new StudyProgressRow(s.StudyInstanceUid, s.ExpectedInstances, s.DoneInstances, s.FailedInstances, s.DoneBytes, s.StartedAt, s.FinishedAt)).ToList());
}
