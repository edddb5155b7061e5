using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Jobs;

/// <summary>
/// The Jobs board: retrievals the user may see (scoped by <see cref="JobAccess"/>), running and failed first, one page;
/// only those in <paramref name="State"/> when it is given (the administrators' home links to the failed ones).
/// </summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record ListJobs(int PageIndex, int PageSize, RetrievalJobState? State = null) : IQuery<Result<Page<JobRow>>>;

/// <summary>The progress of one request's retrieval (request page); null when the request has no job yet.</summary>
[AuthorizeMessage(Roles.Approver, Roles.Clerk, Roles.FacilityAdmin, Roles.NetworkAdmin)]
public sealed record GetJobProgress(string Number) : IQuery<Result<JobRow?>>;

/// <summary>
/// One study's progress, named as the approver saw it when choosing it (date, modalities, description); the UID is for a
/// PACS administrator.
/// </summary>
public sealed record StudyProgressRow(
    string StudyInstanceUid, DateOnly? StudyDate, string Modalities, string? Description, int Expected, int Done, int Failed, long Bytes,
    DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public string Title => Labels.Study(StudyDate, Modalities, Description);

    /// <summary>Instances per second since the study started (null before it did).</summary>
    public double? Rate(DateTimeOffset now) =>
        StartedAt is { } started && Done > 0 && ((FinishedAt ?? now) - started).TotalSeconds is var seconds and > 0 ? Done / seconds : null;

    /// <summary>Time left at the current rate, while the study runs.</summary>
    public TimeSpan? EstimatedTimeLeft(DateTimeOffset now) =>
        FinishedAt is null && Rate(now) is { } rate && Expected > Done ? TimeSpan.FromSeconds((Expected - Done) / rate) : null;
}

/// <param name="MayView">
/// Whether the user may view the request's images (<see cref="Viewing.ViewingAccess.ViewsAsHolder"/> or
/// <see cref="Viewing.ViewingAccess.ViewsAsRequester"/>, the rule of the viewer page); the DICOMweb service still decides
/// which studies each sees.
/// </param>
public sealed record JobRow(
    string Number, RetrievalJobState State, int Attempts, DateTimeOffset NextAttemptAt, int Expected, int Done, int Failed, long Bytes,
    string? LastError, bool CancelRequested, DateTimeOffset CreatedAt, IReadOnlyList<StudyProgressRow> Studies, bool MayView = false)
{
    public bool CanRetry => State == RetrievalJobState.Failed;

    /// <summary>The studies to open in the viewer: those that arrived, once the retrieval has ended with images.</summary>
    public IEnumerable<StudyProgressRow> Viewable =>
        MayView && State is RetrievalJobState.Succeeded or RetrievalJobState.PartiallySucceeded ? Studies.Where(s => s.Done > 0) : [];

    public bool CanCancel => State is RetrievalJobState.Queued or RetrievalJobState.Running && !CancelRequested;
}

public sealed class ListJobsValidator : IValidator<ListJobs>
{
    public IEnumerable<string> Validate(ListJobs message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class ListJobsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, JobAccess access, ICurrentUser user)
    : IQueryHandler<ListJobs, Result<Page<JobRow>>>, IQueryHandler<GetJobProgress, Result<JobRow?>>
{
    /// <summary>The board's order: running, failed and queued jobs first (in this order), then the rest; each newest first.</summary>
    private static readonly RetrievalJobState[] Ranked = [RetrievalJobState.Running, RetrievalJobState.Failed, RetrievalJobState.Queued];

    public async ValueTask<Result<Page<JobRow>>> Handle(ListJobs query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var visible = access.Visible(db).AsNoTracking();
        if (query.State is { } state)
        {
            visible = visible.Where(j => j.State == state);
        }

        var total = await visible.CountAsync(cancellationToken);

        // One state (or the rest) at a time, each read newest first along an index ((state, facility, created), or
        // (facility, created) for the rest), only as far as the page reaches: sorting the facility's jobs by a state
        // rank read every job it ever had, slower as the jobs accumulate. How many jobs each ranked state holds says
        // where the page starts; they are counted in the index (failed jobs accumulate), not read.
        var counts = await RankedCounts(visible).ToDictionaryAsync(g => g.State, g => g.Count, cancellationToken);
        var skip = query.PageIndex * query.PageSize;
        var rows = new List<JobRow>();
        foreach (var rank in Ranked.Select(s => (RetrievalJobState?)s).Append(null))
        {
            if (rows.Count == query.PageSize)
            {
                break;
            }

            var size = rank is { } r ? counts.GetValueOrDefault(r) : int.MaxValue;
            if (skip >= size)
            {
                skip -= size;
                continue;
            }

            rows.AddRange(await Rows(Project(db, InRank(visible, rank).Skip(skip).Take(query.PageSize - rows.Count)), cancellationToken));
            skip = 0;
        }

        return new Page<JobRow>(rows, total, query.PageIndex, query.PageSize);
    }

    /// <summary>How many of <paramref name="visible"/> are running, failed and queued.</summary>
    internal static IQueryable<RankCount> RankedCounts(IQueryable<RetrievalJob> visible)
    {
        var ranked = Ranked;
        return visible.Where(j => ranked.Contains(j.State)).GroupBy(j => j.State).Select(g => new RankCount(g.Key, g.Count()));
    }

    internal sealed record RankCount(RetrievalJobState State, int Count);

    /// <summary>The jobs of <paramref name="rank"/> (null: every state but the ranked ones), newest first.</summary>
    internal static IQueryable<RetrievalJob> InRank(IQueryable<RetrievalJob> visible, RetrievalJobState? rank)
    {
        var ranked = Ranked;
        var inRank = rank is { } state ? visible.Where(j => j.State == state) : visible.Where(j => !ranked.Contains(j.State));
        // Jobs approved in the same instant (a batch) keep one order from page to page.
        return inRank.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Id);
    }

    public async ValueTask<Result<JobRow?>> Handle(GetJobProgress query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = await Rows(Project(db, access.Visible(db).AsNoTracking()
                .Where(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == query.Number))
                .Take(1)), cancellationToken);
        return Result<JobRow?>.Success(rows.FirstOrDefault());
    }

    private sealed record StudyRow(string Uid, int Expected, int Done, int Failed, long Bytes, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

    private sealed record ApprovedRow(string Uid, DateOnly? Date, string Modalities, string? Description);

    private sealed record Projected(
        string Number, RetrievalJobState State, int Attempts, DateTimeOffset NextAttemptAt, int Expected, int Done, int Failed, long Bytes,
        string? LastError, bool CancelRequested, DateTimeOffset CreatedAt, List<StudyRow> Studies, List<ApprovedRow> Approved,
        Guid SourceFacilityId, Guid RequestingFacilityId);

    private static IQueryable<Projected> Project(ImagePortalDbContext db, IQueryable<RetrievalJob> jobs) =>
        from job in jobs
        join request in db.ImageRequests on job.RequestId equals request.Id
        select new Projected(
            request.Number, job.State, job.Attempts, job.NextAttemptAt, job.ExpectedInstances, job.DoneInstances, job.FailedInstances, job.DoneBytes,
            job.LastError, job.CancelRequested, job.CreatedAt,
            job.Studies.Select(s => new StudyRow(s.StudyInstanceUid, s.ExpectedInstances, s.DoneInstances, s.FailedInstances, s.DoneBytes, s.StartedAt, s.FinishedAt)).ToList(),
            request.Studies.Select(s => new ApprovedRow(s.StudyInstanceUid, s.StudyDate, s.Modalities, s.Description)).ToList(),
            job.SourceFacilityId, job.RequestingFacilityId);

    private bool MayView(Projected job) =>
        user.FacilityId is { } facility
        && (Viewing.ViewingAccess.ViewsAsHolder(job.SourceFacilityId == facility, user.IsInRole)
            || Viewing.ViewingAccess.ViewsAsRequester(job.RequestingFacilityId == facility, user.IsInRole));

    // Each study's progress with the date, modalities and description stored when it was approved.
    private async Task<List<JobRow>> Rows(IQueryable<Projected> query, CancellationToken cancellationToken) =>
        (await query.ToListAsync(cancellationToken)).Select(job =>
        {
            var approved = job.Approved.GroupBy(a => a.Uid).ToDictionary(g => g.Key, g => g.First());
            return new JobRow(
                job.Number, job.State, job.Attempts, job.NextAttemptAt, job.Expected, job.Done, job.Failed, job.Bytes, job.LastError, job.CancelRequested,
                job.CreatedAt,
                job.Studies.Select(s =>
                {
                    var a = approved.GetValueOrDefault(s.Uid);
                    return new StudyProgressRow(s.Uid, a?.Date, a?.Modalities ?? string.Empty, a?.Description, s.Expected, s.Done, s.Failed, s.Bytes, s.StartedAt, s.FinishedAt);
                }).ToList(),
                MayView(job));
        }).ToList();
}
