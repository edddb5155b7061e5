using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Home;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Reports;
using ImagePortal.Web.Features.Requests;
using Mediator;

namespace ImagePortal.Bench.Scale;

/// <summary>
/// What the benchmark times: every list, report, filter, export and verification a page sends, as the user who opens it.
/// All handler messages are here, so that a change of a message (keyset paging, rollups) is adapted in one file.
/// </summary>
internal static class Pages
{
    public const string Clerk = "clerk.nvh";
    public const string Approver = "approver.sbr";
    public const string Auditor = "auditor";

    /// <summary>A page's handler call; <c>Check</c> fails the run when the answer is not what the page would show.</summary>
    public sealed record HandlerPage(string Name, string User, Func<IMediator, Filters, CancellationToken, Task<string?>> Send, bool Once = false);

    /// <summary>Values the filters look for, taken from the generated history.</summary>
    public sealed record Filters(string PatientId, string RequestNumber, string FamilyName);

    public static IReadOnlyList<HandlerPage> Handlers { get; } =
    [
        new("Requests (clerk)", Clerk, async (m, f, ct) => Rows(await m.Send(new ListRequests(new RequestFilter(), 0, 25), ct))),
        new("Requests, by patient", Clerk, async (m, f, ct) =>
            Rows(await m.Send(new ListRequests(new RequestFilter(), 0, 25, new RequestSort(RequestSortColumn.Patient, false)), ct))),
        new("Requests, name search", Clerk, async (m, f, ct) => Rows(await m.Send(new ListRequests(new RequestFilter(Patient: f.FamilyName), 0, 25), ct))),
        new("Inbox (approver)", Approver, async (m, f, ct) => Rows(await m.Send(new ListInbox(new RequestFilter(), 0, 25), ct), allowEmpty: true)),
        new("Jobs (approver)", Approver, async (m, f, ct) => Rows(await m.Send(new ListJobs(0, 25), ct))),
        new("Audit, first page", Auditor, async (m, f, ct) => Audit(await m.Send(new ListAuditEvents(new AuditFilter(), 25), ct))),
        new("Audit, by patient ID", Auditor, async (m, f, ct) => Audit(await m.Send(new ListAuditEvents(new AuditFilter(PatientId: f.PatientId), 25), ct))),
        new("Audit, by request", Auditor, async (m, f, ct) => Audit(await m.Send(new ListAuditEvents(new AuditFilter(RequestNumber: f.RequestNumber), 25), ct))),
        new("Audit, last 12 months", Auditor, async (m, f, ct) =>
            Audit(await m.Send(new ListAuditEvents(new AuditFilter(From: Today.AddYears(-1).AddDays(1), To: Today), 25), ct))),
        new("Audit, a month a year ago", Auditor, async (m, f, ct) =>
            Audit(await m.Send(new ListAuditEvents(new AuditFilter(From: Today.AddYears(-1), To: Today.AddYears(-1).AddMonths(1)), 25), ct))),
        new("Audit, verify (quick)", Auditor, async (m, f, ct) => Verified(await m.Send(new VerifyAuditTrail(AuditVerificationScope.SinceLastCheckpoint), ct))),
        new("Audit, verify (full)", Auditor, async (m, f, ct) => Verified(await m.Send(new VerifyAuditTrail(AuditVerificationScope.Full), ct)), Once: true),
        new("Audit, CSV export", Auditor, async (m, f, ct) =>
        {
            var result = await m.Send(new ExportAuditEvents(new AuditFilter(), Stream.Null), ct);
            return result.Failure?.Message ?? (result.Value!.Truncated ? $"{result.Value.Rows} rows, truncated" : $"{result.Value.Rows} rows");
        }),
        new("Reports, 30 days", Auditor, async (m, f, ct) => Report(await m.Send(new GetRequestReport(Today.AddDays(-29), Today), ct))),
        new("Reports, 12 months", Auditor, async (m, f, ct) => Report(await m.Send(new GetRequestReport(Today.AddMonths(-12).AddDays(1), Today), ct))),
        new("Home (clerk)", Clerk, async (m, f, ct) => Home(await m.Send(new GetHomeSummary(), ct))),
        new("Home (approver)", Approver, async (m, f, ct) => Home(await m.Send(new GetHomeSummary(), ct))),
        new("Home (auditor)", Auditor, async (m, f, ct) => Home(await m.Send(new GetHomeSummary(), ct))),
    ];

    /// <summary>A page in Chromium: its address, who opens it, and what shows that its data is there.</summary>
    public sealed record BrowserPage(string Name, string User, string Path, string DataSelector);

    // A grid row with more than one cell: MudDataGrid's "no records" row has one cell spanning the columns.
    private const string GridData = ".mud-table-body tr.mud-table-row:has(td + td) >> nth=0";

    public static IReadOnlyList<BrowserPage> Browser { get; } =
    [
        new("Requests (clerk)", Clerk, "/requests", GridData),
        new("Inbox (approver)", Approver, "/inbox", GridData),
        new("Jobs (approver)", Approver, "/jobs", GridData),
        new("Audit, first page", Auditor, "/audit", GridData),
        new("Reports, 30 days", Auditor, "/reports", "[aria-label='Requests by facility pair'] tbody tr >> nth=0"),
        new("Home (clerk)", Clerk, "/", "text=waiting for the partner's answer"),
        new("Home (approver)", Approver, "/", "text=in your inbox"),
    ];

    /// <summary>
    /// The floor of a page load in Chromium: the portal's health answer, a few bytes of text with no script, style or data,
    /// loaded as the pages are (what any page of the portal pays before its own work).
    /// </summary>
    public static BrowserPage Floor(string user) => new("Floor: /health (text, no page)", user, "/health", "text=Healthy");

    /// <summary>
    /// Whether a page is timed: every page, unless SCALE_PAGES names some (comma-separated parts of their names, any case),
    /// so that work on a few pages times only those.
    /// </summary>
    public static bool Selected(string name) =>
        Environment.GetEnvironmentVariable("SCALE_PAGES") is not { Length: > 0 } wanted ||
        wanted.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string? Rows<T>(Result<Page<T>> result, bool allowEmpty = false) =>
        result.Failure is { } failure ? failure.Message
        : result.Value!.Items.Count == 0 && !allowEmpty ? "no rows"
        : null;

    private static string? Audit(Result<AuditPage> result) =>
        result.Failure is { } failure ? failure.Message : result.Value!.Items.Count == 0 ? "no rows" : null;

    private static string? Verified(Result<AuditVerification> result) =>
        result.Failure?.Message ?? (result.Value!.IsIntact ? null : $"broken at {result.Value.BrokenAt}: {result.Value.Problem}");

    private static string? Report(Result<RequestReport> result) =>
        result.Failure?.Message ?? (result.Value!.Kpis.Filed == 0 ? "no requests in the period" : null);

    private static string? Home(Result<HomeSummary> result) => result.Failure?.Message;
}
