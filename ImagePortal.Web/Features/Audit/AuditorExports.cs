using System.Globalization;
using ImagePortal.Domain.Common;
using ImagePortal.Web.Features.Reports;
using ImagePortal.Web.Security;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// The auditor's CSV downloads, streamed straight into the response. The policy guards the endpoint; the use case checks
/// the role again, scopes to the auditor's facility and audits the export.
/// </summary>
public static class AuditorExports
{
    public const string AuditPath = "/audit/export.csv";
    public const string ReportPath = "/reports/export.csv";

    public static IEndpointRouteBuilder MapAuditorExports(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AuditPath, ([AsParameters] AuditFilter filter, IMediator mediator, HttpContext context) =>
                StreamAsync(context, "audit-trail", destination => mediator.Send(new ExportAuditEvents(filter, destination), context.RequestAborted)))
            .RequireAuthorization(Policies.Auditor);
        endpoints.MapGet(ReportPath, ([FromQuery] DateOnly from, [FromQuery] DateOnly to, IMediator mediator, HttpContext context) =>
                StreamAsync(context, "request-report", destination => mediator.Send(new ExportRequestReport(from, to, destination), context.RequestAborted)))
            .RequireAuthorization(Policies.Auditor);
        return endpoints;
    }

    /// <summary>The query string the export endpoint reads, for the page's download link.</summary>
    public static string AuditQuery(AuditFilter filter)
    {
        var parts = new List<string>();
        Add(nameof(AuditFilter.From), filter.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add(nameof(AuditFilter.To), filter.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add(nameof(AuditFilter.Type), filter.Type?.ToString());
        Add(nameof(AuditFilter.Outcome), filter.Outcome?.ToString());
        Add(nameof(AuditFilter.UserName), filter.UserName);
        Add(nameof(AuditFilter.PatientId), filter.PatientId);
        Add(nameof(AuditFilter.RequestNumber), filter.RequestNumber);
        Add(nameof(AuditFilter.Text), filter.Text);
        return parts.Count == 0 ? AuditPath : $"{AuditPath}?{string.Join('&', parts)}";

        void Add(string name, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parts.Add($"{name}={Uri.EscapeDataString(value.Trim())}");
            }
        }
    }

    private static async Task<IResult> StreamAsync(HttpContext context, string name, Func<Stream, ValueTask<Result<CsvExport>>> export)
    {
        var response = context.Response;
        response.ContentType = "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{name}-{context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime:yyyyMMdd-HHmmss}.csv\"";
        response.Headers.CacheControl = "no-store";
        var result = await export(response.Body);
        if (result.Failure is not { } failure)
        {
            return Results.Empty;
        }

        // Refused before a byte was written: answer with the status instead of a file.
        response.Headers.ContentDisposition = default;
        return Results.Text(failure.Message, "text/plain", statusCode: failure.Kind switch
        {
            FailureKind.Forbidden => StatusCodes.Status403Forbidden,
            FailureKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status400BadRequest,
        });
    }
}
