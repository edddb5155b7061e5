using System.Globalization;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Reports;

/// <summary>Writes the report's tables (KPIs, turnaround per stage, facility pairs, denial reasons, weeks) as one CSV; the export is audited.</summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record ExportRequestReport(DateOnly From, DateOnly To, Stream Destination) : ICommand<Result<CsvExport>>;

public sealed class ExportRequestReportValidator : IValidator<ExportRequestReport>
{
    public IEnumerable<string> Validate(ExportRequestReport message) => RequestReports.Validate(message.From, message.To);
}

public sealed class ExportRequestReportHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, IAuditTrail audit)
    : ICommandHandler<ExportRequestReport, Result<CsvExport>>
{
    public async ValueTask<Result<CsvExport>> Handle(ExportRequestReport command, CancellationToken cancellationToken)
    {
        RequestReport report;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            report = await RequestReports.BuildAsync(db, user, command.From, command.To, cancellationToken);
        }

        var rows = 0;
        await using (var csv = new CsvWriter(command.Destination))
        {
            async Task Row(params object?[] cells)
            {
                await csv.WriteRowAsync(cells, cancellationToken);
                rows++;
            }

            var k = report.Kpis;
            await Row("Request report", $"{Day(report.From)} to {Day(report.To)}", report.Scope);
            await Row();
            await Row("Figure", "Value");
            await Row("Requests filed", k.Filed);
            await Row("Approved", k.Approved);
            await Row("Denied", k.Denied);
            await Row("Completed (incl. partially)", k.Completed);
            await Row("Expired", k.Expired);
            await Row("Images shared", k.ImagesShared);
            await Row("Median hours filed to decided", Hours(k.MedianFiledToDecided));
            await Row("Median hours approved to completed", Hours(k.MedianApprovedToCompleted));
            await Row(Labels.CompletedByDue, Percent(k.ShareCompletedByDue));
            await Row();
            await Row("Stage", "Requests", "Median hours", "90th percentile hours");
            foreach (var t in report.Turnaround)
            {
                await Row(Labels.Of(t.Stage), t.Requests, Hours(t.Median), Hours(t.P90));
            }

            await Row(Labels.TurnaroundPrecision);
            await Row();
            await Row("Requesting facility", "Source facility", "Filed", "Approved", "Denied", "Completed", "Images");
            foreach (var p in report.Pairs)
            {
                await Row(p.Requesting, p.Source, p.Filed, p.Approved, p.Denied, p.Completed, p.Images);
            }

            await Row();
            await Row("Denial reason", "Requests");
            foreach (var d in report.Denials)
            {
                await Row(d.Reason, d.Count);
            }

            await Row();
            await Row("Week starting", "Requests filed");
            foreach (var w in report.Weeks)
            {
                await Row(Day(w.WeekStart), w.Filed);
            }

            await csv.FlushAsync(cancellationToken);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success,
                $"Request report exported as CSV: {Day(report.From)} to {Day(report.To)}, {report.Scope}, {report.Pairs.Count} facility pairs, {rows} rows"),
            cancellationToken);
        return new CsvExport(rows, Truncated: false);
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string? Hours(TimeSpan? span) => span?.TotalHours.ToString("0.0", CultureInfo.InvariantCulture);

    private static string? Percent(double? share) => share?.ToString("0.0%", CultureInfo.InvariantCulture);
}
