using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Home;

/// <summary>
/// What waits for the signed-in user, one part per role they hold: counted on the server within their facility (the
/// whole network for network-wide auditors and administrators), with "today" and "this month" on the facility's clock.
/// The request counts use the same rules as the lists they link to (<see cref="RequestQueue"/>).
/// </summary>
[AuthorizeMessage]
public sealed record GetHomeSummary : IQuery<Result<HomeSummary>>;

/// <summary>Each part is null when the user does not hold its role.</summary>
public sealed record HomeSummary(ClerkHome? Clerk, ApproverHome? Approver, AuditorHome? Auditor, AdminHome? Admin);

/// <param name="RecentUpdates">The facility's requests that changed last, newest first; <see cref="HomeRequest.At"/> is the change.</param>
public sealed record ClerkHome(int Open, int AwaitingAnswer, int Overdue, int CompletedToday, IReadOnlyList<HomeRequest> RecentUpdates);

/// <param name="NextDue">The inbox's requests due first; <see cref="HomeRequest.At"/> is the due time.</param>
public sealed record ApproverHome(int Inbox, int DueToday, int Overdue, int ClaimedByMe, IReadOnlyList<HomeRequest> NextDue);

public sealed record HomeRequest(string Number, RequestStatus Status, RequestPriority Priority, string PatientName, DateTimeOffset At);

/// <param name="Scope">What the figures cover, in words.</param>
/// <param name="SecurityAlerts">Security alerts recorded since <paramref name="AlertsSince"/> (the last seven days).</param>
public sealed record AuditorHome(
    string Scope, int FiledThisMonth, int DeniedThisMonth, int CompletedThisMonth, long ImagesThisMonth, int SecurityAlerts, DateTimeOffset AlertsSince);

/// <param name="FailingNodes">Nodes whose latest connection attempt (Test connection, or a retrieval) got no answer.</param>
/// <param name="FailedJobs">Retrievals that ended failed and wait for a retry or a cancel.</param>
public sealed record AdminHome(IReadOnlyList<FailingNode> FailingNodes, int FailedJobs);

/// <param name="AeTitle">The AE title, or a DICOMweb node's base URL.</param>
public sealed record FailingNode(Guid FacilityId, string FacilityCode, string Name, string AeTitle, DateTimeOffset At, string? Error);

public sealed class GetHomeSummaryHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock, JobAccess jobs)
    : IQueryHandler<GetHomeSummary, Result<HomeSummary>>
{
    /// <summary>How many requests the short lists on the home page show.</summary>
    public const int ListLength = 5;

    /// <summary>A security alert counts as open on the home page for this long (the audit trail has no acknowledgement).</summary>
    public static readonly TimeSpan AlertWindow = TimeSpan.FromDays(7);

    public async ValueTask<Result<HomeSummary>> Handle(GetHomeSummary query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var day = await FacilityDay.OfAsync(db, user.FacilityId, now, cancellationToken);
        var facility = user.FacilityId;
        return new HomeSummary(
            user.IsInRole(Roles.Clerk) && facility is { } f1 ? await ClerkAsync(db, f1, now, day, cancellationToken) : null,
            user.IsInRole(Roles.Approver) && facility is { } f2 ? await ApproverAsync(db, f2, now, day, cancellationToken) : null,
            user.IsInRole(Roles.Auditor) ? await AuditorAsync(db, facility, now, day, cancellationToken) : null,
            user.IsInRole(Roles.FacilityAdmin) || user.IsInRole(Roles.NetworkAdmin) ? await AdminAsync(db, cancellationToken) : null);
    }

    private async Task<ClerkHome> ClerkAsync(ImagePortalDbContext db, Guid facility, DateTimeOffset now, FacilityDay day, CancellationToken ct)
    {
        var filed = db.ImageRequests.AsNoTracking().Where(r => r.RequestingFacilityId == facility);
        Task<int> CountAsync(RequestQueue queue) => RequestLists.InQueue(db, filed, queue, user.UserId, now, day).CountAsync(ct);
        var open = await CountAsync(RequestQueue.Open);
        var awaiting = await CountAsync(RequestQueue.AwaitingAnswer);
        var overdue = await CountAsync(RequestQueue.Overdue);
        var completed = await CountAsync(RequestQueue.CompletedToday);

        // The latest changes of the facility's requests; a request that changed several times is listed once.
        var changes = await LatestChanges(db, facility).ToListAsync(ct);
        var latest = changes.DistinctBy(c => c.RequestId).Take(ListLength).ToList();
        var ids = latest.Select(c => c.RequestId).ToList();
        var requests = await filed.Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var recent = latest.Where(c => requests.ContainsKey(c.RequestId))
            .Select(c => ToItem(requests[c.RequestId], c.At))
            .ToList();
        return new ClerkHome(open, awaiting, overdue, completed, recent);
    }

    /// <summary>
    /// The newest timeline events of requests <paramref name="facility"/> filed: read newest first along the events'
    /// time index, stopping after a few, so the cost does not grow with the timeline's length. The facility is looked up
    /// per event as a scalar subquery, not as <c>EXISTS</c>: SQLite (3.38 on) turns an <c>EXISTS</c> into a join with a
    /// Bloom filter built first from every request of the facility (30 ms at 100,000 requests, 2 ms at 10,000).
    /// </summary>
    internal static IQueryable<LatestChange> LatestChanges(ImagePortalDbContext db, Guid facility) =>
        db.RequestEvents.AsNoTracking()
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Where(e => db.ImageRequests.Where(r => r.Id == e.RequestId).Select(r => (Guid?)r.RequestingFacilityId).FirstOrDefault() == facility)
            .Take(ListLength * 10)
            .Select(e => new LatestChange(e.RequestId, e.At));

    internal sealed record LatestChange(Guid RequestId, DateTimeOffset At);

    /// <summary>Imports that ended (fully or in part) since <paramref name="since"/>, read from the jobs' end-time index.</summary>
    internal static IQueryable<RetrievalJob> FinishedImports(IQueryable<RetrievalJob> jobs, DateTimeOffset since)
    {
        RetrievalJobState[] ended = [RetrievalJobState.Succeeded, RetrievalJobState.PartiallySucceeded];
        return jobs.Where(j => j.FinishedAt >= since && ended.Contains(j.State));
    }

    private async Task<ApproverHome> ApproverAsync(ImagePortalDbContext db, Guid facility, DateTimeOffset now, FacilityDay day, CancellationToken ct)
    {
        var asked = db.ImageRequests.AsNoTracking().Where(r => r.SourceFacilityId == facility);
        Task<int> CountAsync(RequestQueue queue) => RequestLists.InQueue(db, asked, queue, user.UserId, now, day).CountAsync(ct);
        var inbox = await CountAsync(RequestQueue.AwaitingAnswer);
        var dueToday = await CountAsync(RequestQueue.DueToday);
        var overdue = await CountAsync(RequestQueue.Overdue);
        var mine = await CountAsync(RequestQueue.ClaimedByMe);
        var next = await RequestLists.InQueue(db, asked, RequestQueue.AwaitingAnswer, user.UserId, now, day)
            .OrderBy(r => r.DueAt).ThenBy(r => r.Number)
            .Take(ListLength)
            .ToListAsync(ct);
        return new ApproverHome(inbox, dueToday, overdue, mine, next.Select(r => ToItem(r, r.DueAt)).ToList());
    }

    private static async Task<AuditorHome> AuditorAsync(ImagePortalDbContext db, Guid? facility, DateTimeOffset now, FacilityDay day, CancellationToken ct)
    {
        var month = day.MonthStart;
        var requests = db.ImageRequests.AsNoTracking();
        var jobs = db.RetrievalJobs.AsNoTracking();
        var alerts = db.AuditEvents.AsNoTracking();
        string scope = "the whole network";
        if (facility is { } f)
        {
            requests = requests.Where(r => r.RequestingFacilityId == f || r.SourceFacilityId == f);
            jobs = jobs.Where(j => j.RequestingFacilityId == f || j.SourceFacilityId == f);
            alerts = alerts.Where(e => e.FacilityId == f);
            scope = await db.Facilities.Where(x => x.Id == f).Select(x => x.Name).FirstOrDefaultAsync(ct) ?? "your facility";
        }

        var since = now - AlertWindow;
        var finished = FinishedImports(jobs, month);
        return new AuditorHome(
            scope,
            await requests.CountAsync(r => r.CreatedAt >= month, ct),
            await requests.CountAsync(r => r.Status == RequestStatus.Denied && r.DecidedAt >= month, ct),
            await finished.CountAsync(ct),
            await finished.SumAsync(j => (long)j.DoneInstances, ct),
            await alerts.CountAsync(e => e.Type == AuditEventType.SecurityAlert && e.At >= since, ct),
            since);
    }

    private async Task<AdminHome> AdminAsync(ImagePortalDbContext db, CancellationToken ct)
    {
        var network = user.IsInRole(Roles.NetworkAdmin);
        var facility = user.FacilityId;
        var nodes = await db.DicomNodes.AsNoTracking()
            .Where(n => n.LastEchoSucceeded == false && (network || n.FacilityId == facility))
            .Join(db.Facilities, n => n.FacilityId, f => f.Id, (n, f) => new { n.Id, n.FacilityId, f.Code, n.Name, n.AeTitleValue, n.WebBaseUrl, n.LastEchoAt, n.LastEchoError })
            .ToListAsync(ct);
        // The Jobs board's own scope, so that the figure is the number of rows its link opens.
        var failedJobs = await jobs.Visible(db).AsNoTracking().CountAsync(j => j.State == RetrievalJobState.Failed, ct);
        return new AdminHome(
            nodes.OrderBy(n => n.Code).ThenBy(n => n.Name).ThenBy(n => n.Id)
                .Select(n => new FailingNode(n.FacilityId, n.Code, n.Name, n.WebBaseUrl ?? n.AeTitleValue, n.LastEchoAt ?? DateTimeOffset.MinValue, n.LastEchoError))
                .ToList(),
            failedJobs);
    }

    private static HomeRequest ToItem(ImageRequest r, DateTimeOffset at) => new(
        r.Number, r.Status, r.Priority, r.Patient.GivenName is null ? r.Patient.FamilyName : $"{r.Patient.FamilyName}, {r.Patient.GivenName}", at);
}
