using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Reports;

/// <summary>
/// Volumes and turnaround of the requests filed in a period (first and last day, UTC), in the auditor's scope: the
/// whole network for a network-wide auditor, requests their facility filed or was asked for otherwise. Every figure
/// follows the requests filed in the period (a cohort): "approved" counts those of them approved so far.
/// </summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record GetRequestReport(DateOnly From, DateOnly To) : IQuery<Result<RequestReport>>;

/// <param name="Scope">What the figures cover, in words (a facility, or the whole network).</param>
/// <param name="Sampled">True when the period held more requests than turnaround and weeks are computed from.</param>
public sealed record RequestReport(
    DateOnly From, DateOnly To, string Scope, ReportKpis Kpis, IReadOnlyList<FacilityPairRow> Pairs, IReadOnlyList<DenialCount> Denials,
    IReadOnlyList<WeekCount> Weeks, bool Sampled);

/// <param name="Completed">Completed or partially completed.</param>
/// <param name="MedianFiledToDecided">Filing to an approver's decision; requests approved by a direct agreement are left out.</param>
/// <param name="MedianApprovedToCompleted">Approval to the end of the import.</param>
public sealed record ReportKpis(
    int Filed, int Approved, int Denied, int Completed, int Expired, long ImagesShared, TimeSpan? MedianFiledToDecided,
    TimeSpan? MedianApprovedToCompleted);

public sealed record FacilityPairRow(string Requesting, string Source, int Filed, int Approved, int Denied, int Completed, long Images);

public sealed record DenialCount(DenialReason Reason, int Count);

/// <param name="WeekStart">The Monday the week starts on.</param>
public sealed record WeekCount(DateOnly WeekStart, int Filed);

public sealed class GetRequestReportValidator : IValidator<GetRequestReport>
{
    public IEnumerable<string> Validate(GetRequestReport message) => RequestReports.Validate(message.From, message.To);
}

/// <summary>Each report an auditor asks for is audited with its period and scope (the page asks once per period chosen).</summary>
public sealed class GetRequestReportHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, IAuditTrail audit)
    : IQueryHandler<GetRequestReport, Result<RequestReport>>
{
    public async ValueTask<Result<RequestReport>> Handle(GetRequestReport query, CancellationToken cancellationToken)
    {
        RequestReport report;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            report = await RequestReports.BuildAsync(db, user, query.From, query.To, cancellationToken);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                $"Request report viewed: {RequestReports.Day(report.From)} to {RequestReports.Day(report.To)}, {report.Scope}, {report.Kpis.Filed} requests"),
            cancellationToken);
        return report;
    }
}

internal static class RequestReports
{
    /// <summary>The longest period one report covers.</summary>
    public const int MaxDays = 731;

    /// <summary>Turnaround and weeks are computed from at most this many requests of the period, the first filed.</summary>
    public const int MaxTimelineRows = 100_000;

    private static readonly RequestStatus[] ApprovedOrLater =
        [RequestStatus.Approved, RequestStatus.Retrieving, RequestStatus.Completed, RequestStatus.PartiallyCompleted, RequestStatus.Failed];

    private static readonly RequestStatus[] Done = [RequestStatus.Completed, RequestStatus.PartiallyCompleted];

    public static IEnumerable<string> Validate(DateOnly from, DateOnly to)
    {
        if (from > to)
        {
            yield return "The period ends before it starts.";
        }
        else if (to.DayNumber - from.DayNumber >= MaxDays)
        {
            yield return $"A report covers at most {MaxDays} days.";
        }
    }

    public static async Task<RequestReport> BuildAsync(
        ImagePortalDbContext db, ICurrentUser user, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var facilityId = user.FacilityId;
        var requests = db.ImageRequests.AsNoTracking();
        if (facilityId is not null)
        {
            requests = requests.Where(r => r.RequestingFacilityId == facilityId || r.SourceFacilityId == facilityId);
        }

        var cohort = requests.Where(r => r.CreatedAt >= start && r.CreatedAt < end);

        // Counted in the database: one row per facility pair and status.
        var byStatus = await cohort
            .GroupBy(r => new { r.RequestingFacilityId, r.SourceFacilityId, r.Status })
            .Select(g => new { g.Key.RequestingFacilityId, g.Key.SourceFacilityId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var denials = await cohort
            .Where(r => r.Status == RequestStatus.Denied && r.DenialReason != null)
            .GroupBy(r => r.DenialReason)
            .Select(g => new { Reason = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var images = await ImagesSharedAsync(db, cohort, cancellationToken);

        var timeline = await cohort
            .OrderBy(r => r.CreatedAt)
            .Take(MaxTimelineRows + 1)
            .Select(r => new
            {
                r.CreatedAt,
                r.DecidedAt,
                DecidedByApprover = r.DecidedByUserId != null,
                CompletedAt = Done.Contains(r.Status)
                    ? r.Events.Where(e => e.Kind == RequestEventKind.Completed || e.Kind == RequestEventKind.PartiallyCompleted)
                        .OrderByDescending(e => e.At).Select(e => (DateTimeOffset?)e.At).FirstOrDefault()
                    : null,
            })
            .ToListAsync(cancellationToken);
        var sampled = timeline.Count > MaxTimelineRows;
        if (sampled)
        {
            timeline.RemoveAt(timeline.Count - 1);
        }

        var facilityIds = byStatus.SelectMany(s => new[] { s.RequestingFacilityId, s.SourceFacilityId }).Append(facilityId ?? Guid.Empty).Distinct().ToList();
        var facilities = await db.Facilities.AsNoTracking().Where(f => facilityIds.Contains(f.Id))
            .ToDictionaryAsync(f => f.Id, f => new { f.Name, f.Code }, cancellationToken);

        int Count(IEnumerable<RequestStatus> statuses, Guid? requesting = null, Guid? source = null) => byStatus
            .Where(s => statuses.Contains(s.Status) && (requesting is null || s.RequestingFacilityId == requesting) && (source is null || s.SourceFacilityId == source))
            .Sum(s => s.Count);

        var all = Enum.GetValues<RequestStatus>();
        var pairs = byStatus
            .Select(s => (s.RequestingFacilityId, s.SourceFacilityId))
            .Distinct()
            .Select(p => new FacilityPairRow(
                facilities.TryGetValue(p.RequestingFacilityId, out var requesting) ? requesting.Name : "?",
                facilities.TryGetValue(p.SourceFacilityId, out var source) ? source.Name : "?",
                Count(all, p.RequestingFacilityId, p.SourceFacilityId),
                Count(ApprovedOrLater, p.RequestingFacilityId, p.SourceFacilityId),
                Count([RequestStatus.Denied], p.RequestingFacilityId, p.SourceFacilityId),
                Count(Done, p.RequestingFacilityId, p.SourceFacilityId),
                images.GetValueOrDefault(p)))
            .OrderByDescending(p => p.Filed).ThenBy(p => p.Requesting, StringComparer.Ordinal).ThenBy(p => p.Source, StringComparer.Ordinal)
            .ToList();

        var kpis = new ReportKpis(
            Count(all), Count(ApprovedOrLater), Count([RequestStatus.Denied]), Count(Done), Count([RequestStatus.Expired]),
            images.Values.Sum(),
            Median(timeline.Where(t => t.DecidedByApprover && t.DecidedAt is not null).Select(t => t.DecidedAt!.Value - t.CreatedAt)),
            Median(timeline.Where(t => t.DecidedAt is not null && t.CompletedAt is not null).Select(t => t.CompletedAt!.Value - t.DecidedAt!.Value)));

        var weeks = new List<WeekCount>();
        var perWeek = timeline.GroupBy(t => WeekStart(DateOnly.FromDateTime(t.CreatedAt.UtcDateTime))).ToDictionary(g => g.Key, g => g.Count());
        for (var week = WeekStart(from); week <= to; week = week.AddDays(7))
        {
            weeks.Add(new WeekCount(week, perWeek.GetValueOrDefault(week)));
        }

        var scope = facilityId is { } own && facilities.TryGetValue(own, out var mine) ? $"{mine.Name} ({mine.Code})" : "the whole network";
        return new RequestReport(
            from, to, scope, kpis, pairs,
            denials.Where(d => d.Reason is not null).Select(d => new DenialCount(d.Reason!.Value, d.Count)).OrderByDescending(d => d.Count).ThenBy(d => d.Reason.ToString(), StringComparer.Ordinal).ToList(),
            weeks, sampled);
    }

    /// <summary>
    /// Images shared per (requesting, source) facility: the instances the retrieval workers actually imported for the
    /// requests of the cohort (the exactly-once ledger), not what the approvals expected.
    /// </summary>
    private static async Task<Dictionary<(Guid Requesting, Guid Source), long>> ImagesSharedAsync(
        ImagePortalDbContext db, IQueryable<ImageRequest> cohort, CancellationToken cancellationToken)
    {
        var sums = await cohort
            .Join(db.RetrievalJobs, r => r.Id, j => j.RequestId, (r, j) => new { r.RequestingFacilityId, r.SourceFacilityId, JobId = j.Id })
            .Join(db.ImportedInstances, x => x.JobId, i => i.JobId, (x, i) => new { x.RequestingFacilityId, x.SourceFacilityId })
            .GroupBy(x => new { x.RequestingFacilityId, x.SourceFacilityId })
            .Select(g => new { g.Key.RequestingFacilityId, g.Key.SourceFacilityId, Images = g.LongCount() })
            .ToListAsync(cancellationToken);
        return sums.ToDictionary(s => (s.RequestingFacilityId, s.SourceFacilityId), s => s.Images);
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    private static TimeSpan? Median(IEnumerable<TimeSpan> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : sorted[middle - 1] + (sorted[middle] - sorted[middle - 1]) / 2;
    }
}
