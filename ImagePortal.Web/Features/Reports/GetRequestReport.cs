using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Reports;
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
/// <param name="Turnaround">Each stage of the requests' way, in order: filed, claimed, decided, imported.</param>
public sealed record RequestReport(
    DateOnly From, DateOnly To, string Scope, ReportKpis Kpis, IReadOnlyList<FacilityPairRow> Pairs, IReadOnlyList<DenialCount> Denials,
    IReadOnlyList<WeekCount> Weeks, IReadOnlyList<StageTurnaround> Turnaround);

/// <param name="Completed">Completed or partially completed.</param>
/// <param name="MedianFiledToDecided">Filing to an approver's decision; requests approved by a direct agreement are left out.</param>
/// <param name="MedianApprovedToCompleted">Approval to the end of the import.</param>
/// <param name="CompletedByDue">Of the completed requests, those whose import ended by their due time.</param>
public sealed record ReportKpis(
    int Filed, int Approved, int Denied, int Completed, int Expired, long ImagesShared, TimeSpan? MedianFiledToDecided,
    TimeSpan? MedianApprovedToCompleted, int CompletedByDue)
{
    /// <summary>The share of the completed requests done by their due time (0 to 1), or null when none completed.</summary>
    public double? ShareCompletedByDue => Completed == 0 ? null : (double)CompletedByDue / Completed;
}

public sealed record FacilityPairRow(string Requesting, string Source, int Filed, int Approved, int Denied, int Completed, long Images);

public sealed record DenialCount(DenialReason Reason, int Count);

/// <param name="WeekStart">The Monday the week starts on.</param>
public sealed record WeekCount(DateOnly WeekStart, int Filed);

/// <summary>
/// How long one stage took for the requests of the period that went through it. Read from duration histograms, so
/// <paramref name="Median"/> and <paramref name="P90"/> are within <see cref="DurationBuckets.Precision"/> (under 5%) of the
/// exact values.
/// </summary>
/// <param name="Requests">How many requests went through the stage.</param>
public sealed record StageTurnaround(TurnaroundStage Stage, int Requests, TimeSpan? Median, TimeSpan? P90);

/// <summary>The stages of a request's way through the portal the report times.</summary>
public enum TurnaroundStage
{
    /// <summary>Filing to an approver's first claim.</summary>
    FiledToClaimed,

    /// <summary>First claim to the approver's decision (questions sent back included).</summary>
    ClaimedToDecided,

    /// <summary>Decision to the end of an import that brought images.</summary>
    DecidedToImported,
}

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

/// <summary>
/// Builds the report from the pre-aggregated figures (<see cref="ReportFigure"/>, kept by <see cref="ReportRollup"/> in the
/// same transaction as every change), never from the requests, their timelines or the import ledger: its cost follows the
/// days and facility pairs of the period, not how many requests or images they hold (ReportQueryTests).
/// </summary>
internal static class RequestReports
{
    /// <summary>The longest period one report covers.</summary>
    public const int MaxDays = 731;

    private static readonly RequestStatus[] ApprovedOrLater =
        [RequestStatus.Approved, RequestStatus.Retrieving, RequestStatus.Completed, RequestStatus.PartiallyCompleted, RequestStatus.Failed];

    private static readonly RequestStatus[] Done = [RequestStatus.Completed, RequestStatus.PartiallyCompleted];

    private static readonly ReportFigureKind[] Counts =
        [ReportFigureKind.Status, ReportFigureKind.Denial, ReportFigureKind.Images, ReportFigureKind.CompletedByDue];

    private static readonly ReportFigureKind[] Durations =
        [ReportFigureKind.FiledToClaimed, ReportFigureKind.ClaimedToDecided, ReportFigureKind.FiledToDecided, ReportFigureKind.DecidedToImported];

    private static readonly (TurnaroundStage Stage, ReportFigureKind Kind)[] Stages =
    [
        (TurnaroundStage.FiledToClaimed, ReportFigureKind.FiledToClaimed),
        (TurnaroundStage.ClaimedToDecided, ReportFigureKind.ClaimedToDecided),
        (TurnaroundStage.DecidedToImported, ReportFigureKind.DecidedToImported),
    ];

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
        var facilityId = user.FacilityId;
        var segments = Segments(from, to);

        // Small answers, one per stretch of whole months or of single days: counts per facility pair, duration buckets
        // and requests filed per day for the scope.
        var counts = new List<PairFigure>();
        var durations = new List<PairFigure>();
        foreach (var (grain, first, last) in segments)
        {
            counts.AddRange(await ByPair(Stretch(db, grain, first, last), facilityId)
                .Where(f => Counts.Contains(f.Kind))
                .GroupBy(f => new { f.Kind, f.Code, f.RequestingFacilityId, f.SourceFacilityId })
                .Select(g => new PairFigure(g.Key.Kind, g.Key.Code, g.Key.RequestingFacilityId, g.Key.SourceFacilityId, g.Sum(f => f.Value)))
                .ToListAsync(cancellationToken));
            durations.AddRange(await ByScope(Stretch(db, grain, first, last), facilityId)
                .Where(f => Durations.Contains(f.Kind))
                .GroupBy(f => new { f.Kind, f.Code })
                .Select(g => new PairFigure(g.Key.Kind, g.Key.Code, Guid.Empty, Guid.Empty, g.Sum(f => f.Value)))
                .ToListAsync(cancellationToken));
        }

        var perDay = await ByScope(Stretch(db, ReportGrain.Day, from, to), facilityId)
            .Where(f => f.Kind == ReportFigureKind.Filed)
            .GroupBy(f => f.DayFiled)
            .Select(g => new { Day = g.Key, Value = g.Sum(f => f.Value) })
            .ToListAsync(cancellationToken);
        counts = counts
            .GroupBy(c => (c.Kind, c.Code, c.RequestingFacilityId, c.SourceFacilityId))
            .Select(g => g.First() with { Value = g.Sum(c => c.Value) })
            .ToList();

        var byStatus = counts.Where(c => c.Kind == ReportFigureKind.Status && c.Value != 0).ToList();
        var facilityIds = byStatus.SelectMany(s => new[] { s.RequestingFacilityId, s.SourceFacilityId }).Append(facilityId ?? Guid.Empty).Distinct().ToList();
        var facilities = await db.Facilities.AsNoTracking().Where(f => facilityIds.Contains(f.Id))
            .ToDictionaryAsync(f => f.Id, f => new { f.Name, f.Code }, cancellationToken);

        int Count(IEnumerable<RequestStatus> statuses, Guid? requesting = null, Guid? source = null) => (int)byStatus
            .Where(s => statuses.Contains((RequestStatus)s.Code) && (requesting is null || s.RequestingFacilityId == requesting) && (source is null || s.SourceFacilityId == source))
            .Sum(s => s.Value);

        long Sum(ReportFigureKind kind, int? code = null, Guid? requesting = null, Guid? source = null) => counts
            .Where(c => c.Kind == kind && (code is null || c.Code == code) && (requesting is null || c.RequestingFacilityId == requesting) && (source is null || c.SourceFacilityId == source))
            .Sum(c => c.Value);

        Dictionary<int, long> Histogram(ReportFigureKind kind) =>
            durations.Where(d => d.Kind == kind).GroupBy(d => d.Code).Select(g => (g.Key, Sum: g.Sum(d => d.Value))).Where(b => b.Sum != 0)
                .ToDictionary(b => b.Key, b => b.Sum);

        var all = Enum.GetValues<RequestStatus>();
        var pairs = byStatus
            .Select(s => (s.RequestingFacilityId, s.SourceFacilityId))
            .Distinct()
            .Select(p => (Ids: p, Row: new FacilityPairRow(
                facilities.TryGetValue(p.RequestingFacilityId, out var requesting) ? requesting.Name : "?",
                facilities.TryGetValue(p.SourceFacilityId, out var source) ? source.Name : "?",
                Count(all, p.RequestingFacilityId, p.SourceFacilityId),
                Count(ApprovedOrLater, p.RequestingFacilityId, p.SourceFacilityId),
                Count([RequestStatus.Denied], p.RequestingFacilityId, p.SourceFacilityId),
                Count(Done, p.RequestingFacilityId, p.SourceFacilityId),
                Sum(ReportFigureKind.Images, requesting: p.RequestingFacilityId, source: p.SourceFacilityId))))
            .Where(p => p.Row.Filed > 0)
            // Two facilities may share a name: the pair's ids end the order, so the table and its CSV read the same on every visit.
            .OrderByDescending(p => p.Row.Filed).ThenBy(p => p.Row.Requesting, StringComparer.Ordinal).ThenBy(p => p.Row.Source, StringComparer.Ordinal)
            .ThenBy(p => p.Ids.RequestingFacilityId).ThenBy(p => p.Ids.SourceFacilityId)
            .Select(p => p.Row)
            .ToList();

        var kpis = new ReportKpis(
            Count(all), Count(ApprovedOrLater), Count([RequestStatus.Denied]), Count(Done), Count([RequestStatus.Expired]),
            Sum(ReportFigureKind.Images),
            DurationBuckets.Percentile(Histogram(ReportFigureKind.FiledToDecided), 0.5),
            DurationBuckets.Percentile(Histogram(ReportFigureKind.DecidedToImported), 0.5),
            (int)Sum(ReportFigureKind.CompletedByDue, code: 1));

        var turnaround = Stages
            .Select(s => Histogram(s.Kind) is var h ? new StageTurnaround(s.Stage, (int)h.Values.Sum(), DurationBuckets.Percentile(h, 0.5), DurationBuckets.Percentile(h, 0.9)) : null)
            .OfType<StageTurnaround>()
            .ToList();

        var denials = counts
            .Where(c => c.Kind == ReportFigureKind.Denial)
            .GroupBy(c => (DenialReason)c.Code)
            .Select(g => new DenialCount(g.Key, (int)g.Sum(c => c.Value)))
            .Where(d => d.Count > 0)
            .OrderByDescending(d => d.Count).ThenBy(d => d.Reason.ToString(), StringComparer.Ordinal)
            .ToList();

        var weeks = new List<WeekCount>();
        var perWeek = perDay.GroupBy(d => WeekStart(d.Day)).ToDictionary(g => g.Key, g => (int)g.Sum(d => d.Value));
        for (var week = WeekStart(from); week <= to; week = week.AddDays(7))
        {
            weeks.Add(new WeekCount(week, perWeek.GetValueOrDefault(week)));
        }

        var scope = facilityId is { } own && facilities.TryGetValue(own, out var mine) ? $"{mine.Name} ({mine.Code})" : "the whole network";
        return new RequestReport(from, to, scope, kpis, pairs, denials, weeks, turnaround);
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The period as stretches the figures are kept for: the days before its first whole month, its whole months (read
    /// from one row per month), and the days after them. A year's report reads twelve months and at most two months' days.
    /// </summary>
    internal static List<(ReportGrain Grain, DateOnly First, DateOnly Last)> Segments(DateOnly from, DateOnly to)
    {
        var firstMonth = from.Day == 1 ? from : new DateOnly(from.Year, from.Month, 1).AddMonths(1);
        var afterMonths = new DateOnly(to.Year, to.Month, 1);
        if (to == afterMonths.AddMonths(1).AddDays(-1))
        {
            afterMonths = afterMonths.AddMonths(1);
        }

        if (firstMonth >= afterMonths)
        {
            return [(ReportGrain.Day, from, to)];
        }

        var segments = new List<(ReportGrain, DateOnly, DateOnly)>();
        if (from < firstMonth)
        {
            segments.Add((ReportGrain.Day, from, firstMonth.AddDays(-1)));
        }

        segments.Add((ReportGrain.Month, firstMonth, afterMonths.AddMonths(-1)));
        if (afterMonths <= to)
        {
            segments.Add((ReportGrain.Day, afterMonths, to));
        }

        return segments;
    }

    private static IQueryable<ReportFigure> Stretch(ImagePortalDbContext db, ReportGrain grain, DateOnly first, DateOnly last) =>
        db.ReportFigures.AsNoTracking().Where(f => f.Grain == grain && f.DayFiled >= first && f.DayFiled <= last);

    /// <summary>The rows of the kinds kept per facility pair that the scope covers: all, or the pairs with the facility in them.</summary>
    private static IQueryable<ReportFigure> ByPair(IQueryable<ReportFigure> figures, Guid? facilityId) => facilityId is null
        ? figures
        : figures.Where(f => f.RequestingFacilityId == facilityId || f.SourceFacilityId == facilityId);

    /// <summary>The rows of the scoped kinds (<see cref="ReportRollup.IsScoped"/>) for the network, or the facility's two.</summary>
    private static IQueryable<ReportFigure> ByScope(IQueryable<ReportFigure> figures, Guid? facilityId) => facilityId is null
        ? figures.Where(f => f.RequestingFacilityId == Guid.Empty && f.SourceFacilityId == Guid.Empty)
        : figures.Where(f => (f.RequestingFacilityId == facilityId && f.SourceFacilityId == Guid.Empty) ||
                             (f.RequestingFacilityId == Guid.Empty && f.SourceFacilityId == facilityId));

    private sealed record PairFigure(ReportFigureKind Kind, int Code, Guid RequestingFacilityId, Guid SourceFacilityId, long Value);

    private static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
}
