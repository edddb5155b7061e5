using System.Globalization;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ImagePortal.Web.Features.Reports;

/// <summary>
/// The auditors' report on requests filed in a period (the last 30 days unless chosen): figures, a weekly chart, and a
/// CSV export of the same period.
/// </summary>
public partial class RequestReportPage
{
    private DateRange _range = new();
    private string? _error;

    [Inject]
    private IMediator Mediator { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    /// <summary>
    /// The report shown. Read while the page is prerendered and handed to the circuit with the page, so that a visit
    /// computes (and audits) it once: the circuit initializes the page a second time and finds it here.
    /// </summary>
    [PersistentState]
    public RequestReport? Report { get; set; }

    private string ExportHref => Period() is var (from, to)
        ? $"{AuditorExports.ReportPath}?from={Day(from)}&to={Day(to)}"
        : AuditorExports.ReportPath;

    protected override Task OnInitializedAsync()
    {
        _range = LastThirtyDays(Time.GetUtcNow());
        return Report is null ? LoadAsync() : Task.CompletedTask;
    }

    private async Task OnRangeChangedAsync(DateRange range)
    {
        _range = range;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        if (Period() is not var (from, to))
        {
            return;
        }

        var result = await Mediator.Send(new GetRequestReport(from, to));
        _error = result.Failure?.Message;
        Report = result.Value;
    }

    private static string[] WeekLabels(RequestReport report) =>
        report.Weeks.Select(w => w.WeekStart.ToString("MM-dd", CultureInfo.InvariantCulture)).ToArray();

    private static List<ChartSeries<double>> Series(RequestReport report) =>
        [new ChartSeries<double> { Name = "Requests filed", Data = new ChartData<double>(report.Weeks.Select(w => (double)w.Filed).ToList()) }];

    private (DateOnly From, DateOnly To)? Period() =>
        _range is { Start: { } start, End: { } end } ? (DateOnly.FromDateTime(start), DateOnly.FromDateTime(end)) : null;

    /// <summary>The last 30 days, today (UTC) included.</summary>
    private static DateRange LastThirtyDays(DateTimeOffset now)
    {
        var today = now.UtcDateTime.Date;
        return new DateRange(today.AddDays(-29), today);
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static IEnumerable<(string Label, string Value)> Kpis(ReportKpis k) =>
    [
        ("Requests filed", k.Filed.ToString(CultureInfo.InvariantCulture)),
        ("Approved", k.Approved.ToString(CultureInfo.InvariantCulture)),
        ("Denied", k.Denied.ToString(CultureInfo.InvariantCulture)),
        ("Completed (incl. partially)", k.Completed.ToString(CultureInfo.InvariantCulture)),
        ("Expired", k.Expired.ToString(CultureInfo.InvariantCulture)),
        ("Images shared", k.ImagesShared.ToString(CultureInfo.InvariantCulture)),
        ("Median filed to decided", Duration(k.MedianFiledToDecided)),
        ("Median approved to completed", Duration(k.MedianApprovedToCompleted)),
        (Labels.CompletedByDue, k.ShareCompletedByDue is { } share ? share.ToString("0%", CultureInfo.InvariantCulture) : "n/a"),
    ];

    internal static string Duration(TimeSpan? span) => span switch
    {
        null => "n/a",
        { TotalMinutes: < 1 } s => $"{s.TotalSeconds:0} s",
        { TotalHours: < 1 } s => $"{s.TotalMinutes:0} min",
        { TotalDays: < 2 } s => $"{s.TotalHours:0.0} h",
        { } s => $"{s.TotalDays:0.0} days",
    };
}
