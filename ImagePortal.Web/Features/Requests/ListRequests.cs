using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Requests;

/// <summary>The requests the user's facility filed (clerk's view), filtered and paged on the server.</summary>
[AuthorizeMessage(Roles.Clerk)]
public sealed record ListRequests(RequestFilter Filter, int PageIndex, int PageSize, RequestSort? Sort = null) : IQuery<Result<Page<RequestRow>>>;

/// <summary>The requests other facilities sent to the user's facility that still need a decision (approver's inbox).</summary>
[AuthorizeMessage(Roles.Approver)]
public sealed record ListInbox(RequestFilter Filter, int PageIndex, int PageSize) : IQuery<Result<Page<RequestRow>>>;

/// <param name="FiledFrom">First day (UTC) of filing to include.</param>
/// <param name="FiledTo">Last day (UTC) of filing to include.</param>
/// <param name="Queue">A slice the home page counts and links to; "today" is the facility's day.</param>
public sealed record RequestFilter(
    RequestStatus? Status = null, RequestPriority? Priority = null, string? Patient = null, Guid? PartnerFacilityId = null,
    DateOnly? FiledFrom = null, DateOnly? FiledTo = null, RequestQueue? Queue = null);

/// <summary>What the clerk's list is ordered by; newest filed first when nothing is chosen.</summary>
public enum RequestSortColumn
{
    Filed,
    Due,
    Number,
    Status,
    Priority,
    Patient,
    LocalMrn,
}

public sealed record RequestSort(RequestSortColumn Column, bool Descending)
{
    public static readonly RequestSort Default = new(RequestSortColumn.Filed, Descending: true);
}

/// <param name="Partner">The other facility: the source in the clerk's list, the requester in the inbox.</param>
public sealed record RequestRow(
    string Number, Guid Version, RequestStatus Status, RequestPriority Priority, DateTimeOffset CreatedAt, DateTimeOffset DueAt,
    string Partner, string PatientName, string LocalMrn, string ModalityScope, bool ClaimedByMe, bool IsClaimed);

public sealed class ListRequestsValidator : IValidator<ListRequests>, IValidator<ListInbox>
{
    public IEnumerable<string> Validate(ListRequests message)
    {
        var problems = RequestLists.ValidatePaging(message.PageIndex, message.PageSize, message.Filter);
        return message.Sort is { } sort && !Enum.IsDefined(sort.Column) ? problems.Append("Unknown sort order.") : problems;
    }

    public IEnumerable<string> Validate(ListInbox message) => RequestLists.ValidatePaging(message.PageIndex, message.PageSize, message.Filter);
}

public sealed class ListRequestsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock)
    : IQueryHandler<ListRequests, Result<Page<RequestRow>>>, IQueryHandler<ListInbox, Result<Page<RequestRow>>>
{
    public async ValueTask<Result<Page<RequestRow>>> Handle(ListRequests query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facilityId = user.FacilityId;
        var requests = RequestLists.FiledBy(db.ImageRequests.AsNoTracking(), facilityId, query.Filter.Patient);
        if (query.Filter.PartnerFacilityId is { } partner)
        {
            requests = requests.Where(r => r.SourceFacilityId == partner);
        }

        requests = await RequestLists.InQueueAsync(db, requests, query.Filter.Queue, user, clock.GetUtcNow(), cancellationToken);
        requests = RequestLists.Sort(RequestLists.Apply(requests, query.Filter), query.Sort ?? RequestSort.Default);
        return await RequestLists.PageAsync(db, requests, r => r.SourceFacilityId, user.UserId, query.PageIndex, query.PageSize, cancellationToken);
    }

    public async ValueTask<Result<Page<RequestRow>>> Handle(ListInbox query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var facilityId = user.FacilityId;
        RequestStatus[] waiting = [RequestStatus.Submitted, RequestStatus.Claimed];
        var requests = db.ImageRequests.AsNoTracking().Where(r => r.SourceFacilityId == facilityId);
        requests = query.Filter.Status is null && query.Filter.Queue is null ? requests.Where(r => waiting.Contains(r.Status)) : requests;
        requests = await RequestLists.InQueueAsync(db, requests, query.Filter.Queue, user, clock.GetUtcNow(), cancellationToken);
        if (query.Filter.PartnerFacilityId is { } partner)
        {
            requests = requests.Where(r => r.RequestingFacilityId == partner);
        }

        // Due first; among requests due at the same moment, STAT before urgent before routine; then by number, so that
        // requests equal in both keep one order from page to page (PostgreSQL returns ties in any order it likes).
        requests = RequestLists.MatchingPatient(RequestLists.Apply(requests, query.Filter), query.Filter.Patient);
        requests = requests.OrderBy(r => r.DueAt).ThenBy(r => r.Priority == RequestPriority.Stat ? 0 : r.Priority == RequestPriority.Urgent ? 1 : 2)
            .ThenBy(r => r.Number);
        return await RequestLists.PageAsync(db, requests, r => r.RequestingFacilityId, user.UserId, query.PageIndex, query.PageSize, cancellationToken);
    }
}

internal static class RequestLists
{
    public static IEnumerable<string> ValidatePaging(int pageIndex, int pageSize, RequestFilter filter)
    {
        foreach (var problem in Paging.Validate(pageIndex, pageSize))
        {
            yield return problem;
        }

        if (filter.FiledFrom is { } from && filter.FiledTo is { } to && from > to)
        {
            yield return "The date range ends before it starts.";
        }

        if (filter.Patient is { Length: > 64 })
        {
            yield return "The patient search is too long.";
        }

        if (filter.Status is { } status && !Enum.IsDefined(status) || filter.Priority is { } priority && !Enum.IsDefined(priority))
        {
            yield return "Unknown status or priority.";
        }

        if (filter.Queue is { } queue && !Enum.IsDefined(queue))
        {
            yield return "Unknown list.";
        }
    }

    /// <summary>The requests of <paramref name="queue"/> (all of them when null); the home page counts with the same rules.</summary>
    public static async Task<IQueryable<ImageRequest>> InQueueAsync(
        ImagePortalDbContext db, IQueryable<ImageRequest> requests, RequestQueue? queue, ICurrentUser user, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (queue is not { } q)
        {
            return requests;
        }

        var day = q is RequestQueue.DueToday or RequestQueue.CompletedToday
            ? await FacilityDay.OfAsync(db, user.FacilityId, now, cancellationToken)
            : null;
        return InQueue(db, requests, q, user.UserId, now, day);
    }

    public static IQueryable<ImageRequest> InQueue(
        ImagePortalDbContext db, IQueryable<ImageRequest> requests, RequestQueue queue, string? userId, DateTimeOffset now, FacilityDay? day)
    {
        var waiting = RequestQueues.Waiting;
        var unfinished = RequestQueues.Unfinished;
        var done = RequestQueues.Done;
        switch (queue)
        {
            case RequestQueue.Open:
                return requests.Where(r => unfinished.Contains(r.Status));
            case RequestQueue.AwaitingAnswer:
                return requests.Where(r => waiting.Contains(r.Status));
            case RequestQueue.Overdue:
                return requests.Where(r => waiting.Contains(r.Status) && r.DueAt < now);
            case RequestQueue.DueToday:
                var tomorrow = day!.TomorrowStart;
                return requests.Where(r => waiting.Contains(r.Status) && r.DueAt >= now && r.DueAt < tomorrow);
            case RequestQueue.ClaimedByMe:
                return requests.Where(r => r.Status == RequestStatus.Claimed && r.ClaimedByUserId == userId);
            case RequestQueue.CompletedToday:
                var today = day!.TodayStart;
                // From the jobs that ended today (an index range) to their requests, not from every finished request.
                var endedToday = ImagePortal.Web.Features.Home.GetHomeSummaryHandler.FinishedImports(db.RetrievalJobs, today).Select(j => j.RequestId);
                return requests.Where(r => endedToday.Contains(r.Id) && done.Contains(r.Status));
            default:
                return requests.Where(_ => false);
        }
    }

    public static IQueryable<ImageRequest> Apply(IQueryable<ImageRequest> requests, RequestFilter filter)
    {
        if (filter.Status is { } status)
        {
            requests = requests.Where(r => r.Status == status);
        }

        if (filter.Priority is { } priority)
        {
            requests = requests.Where(r => r.Priority == priority);
        }

        if (filter.FiledFrom is { } from)
        {
            var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            requests = requests.Where(r => r.CreatedAt >= start);
        }

        if (filter.FiledTo is { } to)
        {
            var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            requests = requests.Where(r => r.CreatedAt < end);
        }

        return requests;
    }

    /// <summary>
    /// The requests <paramref name="facilityId"/> filed, and among them, when <paramref name="patient"/> is given, those
    /// whose patient's name starts with it in any case (family name first, see <see cref="PatientDetails.NameKey"/>) or
    /// whose MRN is exactly it. The name is a range on the stored key, [text, text with its last character incremented),
    /// which every database answers from an index. Each branch of the OR names the facility itself (and nothing outside
    /// it does), so that each is a search on its own (facility, ...) index rather than a walk through all of the
    /// facility's requests testing each (as the substring test, instr(), did on every row).
    /// </summary>
    public static IQueryable<ImageRequest> FiledBy(IQueryable<ImageRequest> requests, Guid? facilityId, string? patient)
    {
        if (string.IsNullOrWhiteSpace(patient))
        {
            return requests.Where(r => r.RequestingFacilityId == facilityId);
        }

        var mrn = patient.Trim();
        var from = PatientDetails.Key(patient);
        var last = from[^1];
        if (char.IsSurrogate(last) || last == char.MaxValue)
        {
            return requests.Where(r => r.RequestingFacilityId == facilityId &&
                                       (r.PatientNameKey.StartsWith(from) || r.Patient.LocalMrn == mrn || r.Patient.SourceMrn == mrn));
        }

        var to = from[..^1] + (char)(last + 1);
        return requests.Where(r =>
            (r.RequestingFacilityId == facilityId && string.Compare(r.PatientNameKey, from) >= 0 && string.Compare(r.PatientNameKey, to) < 0 &&
             r.PatientNameKey.StartsWith(from)) ||
            (r.RequestingFacilityId == facilityId && r.Patient.LocalMrn == mrn) ||
            (r.RequestingFacilityId == facilityId && r.Patient.SourceMrn == mrn));
    }

    /// <summary>The same patient search within requests already narrowed otherwise (the inbox's few waiting requests).</summary>
    public static IQueryable<ImageRequest> MatchingPatient(IQueryable<ImageRequest> requests, string? patient)
    {
        if (string.IsNullOrWhiteSpace(patient))
        {
            return requests;
        }

        var mrn = patient.Trim();
        var from = PatientDetails.Key(patient);
        return requests.Where(r => r.PatientNameKey.StartsWith(from) || r.Patient.LocalMrn == mrn || r.Patient.SourceMrn == mrn);
    }

    /// <summary>Orders by the chosen column, then by request number so that paging is stable.</summary>
    public static IQueryable<ImageRequest> Sort(IQueryable<ImageRequest> requests, RequestSort sort)
    {
        var ordered = sort.Column switch
        {
            RequestSortColumn.Due => By(requests, r => r.DueAt, sort.Descending),
            RequestSortColumn.Number => By(requests, r => r.Number, sort.Descending),
            RequestSortColumn.Status => By(requests, r => r.Status, sort.Descending),
            RequestSortColumn.Priority => By(requests, r => r.Priority == RequestPriority.Stat ? 0 : r.Priority == RequestPriority.Urgent ? 1 : 2, sort.Descending),
            // Family name, then given name, in any case: the stored key, which an index holds in that order.
            RequestSortColumn.Patient => By(requests, r => r.PatientNameKey, sort.Descending),
            RequestSortColumn.LocalMrn => By(requests, r => r.Patient.LocalMrn, sort.Descending),
            _ => By(requests, r => r.CreatedAt, sort.Descending),
        };
        return sort.Descending ? ordered.ThenByDescending(r => r.Number) : ordered.ThenBy(r => r.Number);

        static IOrderedQueryable<ImageRequest> By<TKey>(IQueryable<ImageRequest> source, System.Linq.Expressions.Expression<Func<ImageRequest, TKey>> key, bool descending) =>
            descending ? source.OrderByDescending(key) : source.OrderBy(key);
    }

    public static async Task<Result<Page<RequestRow>>> PageAsync(
        ImagePortalDbContext db, IQueryable<ImageRequest> requests, Func<ImageRequest, Guid> partnerOf, string? userId,
        int pageIndex, int pageSize, CancellationToken cancellationToken)
    {
        var total = await requests.CountAsync(cancellationToken);
        var page = await requests.Skip(pageIndex * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        var partnerIds = page.Select(partnerOf).Distinct().ToList();
        var partners = await db.Facilities.AsNoTracking().Where(f => partnerIds.Contains(f.Id))
            .ToDictionaryAsync(f => f.Id, f => f.Name, cancellationToken);
        var rows = page.Select(r => new RequestRow(
                r.Number, r.Version, r.Status, r.Priority, r.CreatedAt, r.DueAt, partners.GetValueOrDefault(partnerOf(r), "?"),
                r.Patient.GivenName is null ? r.Patient.FamilyName : $"{r.Patient.FamilyName}, {r.Patient.GivenName}",
                r.Patient.LocalMrn, r.ModalityScope, r.ClaimedByUserId == userId, r.ClaimedByUserId is not null))
            .ToList();
        return new Page<RequestRow>(rows, total, pageIndex, pageSize);
    }
}
