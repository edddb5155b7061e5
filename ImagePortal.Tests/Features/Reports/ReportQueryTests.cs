using ImagePortal.Domain.Common;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Reports;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Reports;

/// <summary>
/// The report is computed from its pre-aggregated figures and never re-reads history: every SQL command the report and its
/// export send is captured, and none reads the requests, their timelines, the retrieval jobs or the import ledger (the
/// tables that grow with every request and image; before, a year's report read a million ledger rows).
/// </summary>
public sealed class ReportQueryTests(ReportQueryCapturingFixture fixture) : IClassFixture<ReportQueryCapturingFixture>
{
    private static readonly string[] History = ["\"ImageRequests\"", "\"RequestEvents\"", "\"RetrievalJobs\"", "\"ImportedInstances\""];

    [Fact]
    public async Task TheReportAndItsExport_ReadTheFigures_NotTheHistory()
    {
        var number = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "SQL-1");
        await ApproveAndCompleteAsync(fixture, DemoUsers.ApproverSbr.UserName, number, 3, "1.2.826.0.1.3680043.8.498.701");
        var auditorSbr = await EnsureUserAsync(fixture, "auditor.sbr", Roles.Auditor, "SBR");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var commands = await fixture.CaptureAsync(async () =>
        {
            var network = await fixture.QueryAsync(NetworkAuditor, new GetRequestReport(today.AddDays(-364), today));
            var facility = await fixture.QueryAsync(auditorSbr, new GetRequestReport(today.AddDays(-29), today));
            using var stream = new MemoryStream();
            var export = await fixture.CommandAsync(NetworkAuditor, new ExportRequestReport(today.AddDays(-29), today, stream));
            Assert.True(network.IsSuccess && facility.IsSuccess && export.IsSuccess);
            Assert.True(network.Value!.Kpis.Filed >= 1);
            Assert.True(network.Value.Kpis.ImagesShared >= 3);
            Assert.Contains(network.Value.Turnaround, t => t.Stage == TurnaroundStage.DecidedToImported && t.Requests >= 1 && t.Median is not null);
        });

        Assert.Contains(commands, c => c.Contains("\"ReportFigures\"", StringComparison.Ordinal));
        Assert.All(commands, c => Assert.DoesNotContain(History, c.Contains));
    }
}
