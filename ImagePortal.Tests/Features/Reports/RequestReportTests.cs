using System.Text;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Reports;
using Microsoft.EntityFrameworkCore;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Reports;

/// <summary>
/// Only the first test files requests, so every figure it checks is exact; the others read whatever the database holds.
/// </summary>
public sealed class RequestReportTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<RequestReport> ReportAsync(string userName, DateOnly from, DateOnly to)
    {
        var result = await fixture.QueryAsync(userName, new GetRequestReport(from, to));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!;
    }

    [Fact]
    public async Task Report_CountsVolumesImagesDenialsAndTurnaround_InTheAuditorsScope()
    {
        var clerkRch = await EnsureUserAsync(fixture, "clerk.rch", Roles.Clerk, "RCH");
        var auditorSbr = await EnsureUserAsync(fixture, "auditor.sbr", Roles.Auditor, "SBR");
        var completed = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "REP-1");
        // 300 expected, 298 imported: the report counts what the ledger says arrived.
        await ApproveAndCompleteAsync(fixture, DemoUsers.ApproverSbr.UserName, completed, 300, "1.2.826.0.1.3680043.8.498.501", imported: 298);
        var notFound = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "REP-2");
        await DenyAsync(fixture, DemoUsers.ApproverSbr.UserName, notFound, DenialReason.PatientNotFound);
        var noConsent = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "REP-3");
        await DenyAsync(fixture, DemoUsers.ApproverSbr.UserName, noConsent, DenialReason.ConsentMissing);
        await FileAsync(fixture, DemoUsers.ClerkSbr.UserName, "NVH", "REP-4");
        await FileAsync(fixture, clerkRch, "NVH", "REP-5");

        var network = await ReportAsync(NetworkAuditor, Today.AddDays(-1), Today.AddDays(1));
        var sbr = await ReportAsync(auditorSbr, Today.AddDays(-1), Today.AddDays(1));
        var longAgo = await ReportAsync(NetworkAuditor, new DateOnly(2020, 1, 1), new DateOnly(2020, 1, 31));

        var k = network.Kpis;
        Assert.Equal((5, 1, 2, 1, 0, 298L), (k.Filed, k.Approved, k.Denied, k.Completed, k.Expired, k.ImagesShared));
        Assert.NotNull(k.MedianFiledToDecided);
        Assert.True(k.MedianFiledToDecided >= TimeSpan.Zero);
        Assert.NotNull(k.MedianApprovedToCompleted);
        // The completed request was imported well before its due time (routine: two working days).
        Assert.Equal((1, 1.0), (k.CompletedByDue, k.ShareCompletedByDue));
        Assert.Equal(
            [(TurnaroundStage.FiledToClaimed, 3), (TurnaroundStage.ClaimedToDecided, 3), (TurnaroundStage.DecidedToImported, 1)],
            network.Turnaround.Select(t => (t.Stage, t.Requests)));
        Assert.All(network.Turnaround, t => Assert.True(t.Median <= t.P90));
        Assert.Equal("the whole network", network.Scope);
        Assert.Equal(
            [
                new FacilityPairRow("Northvale General Hospital", "St. Brigid's Regional Hospital", 3, 1, 2, 1, 298),
                new FacilityPairRow("Ridgeway Community Hospital", "Northvale General Hospital", 1, 0, 0, 0, 0),
                new FacilityPairRow("St. Brigid's Regional Hospital", "Northvale General Hospital", 1, 0, 0, 0, 0),
            ],
            network.Pairs);
        Assert.Equal([new DenialCount(DenialReason.ConsentMissing, 1), new DenialCount(DenialReason.PatientNotFound, 1)], network.Denials);
        Assert.Equal(5, network.Weeks.Sum(w => w.Filed));
        Assert.All(network.Weeks, w => Assert.Equal(DayOfWeek.Monday, w.WeekStart.DayOfWeek));

        // The St. Brigid's auditor sees what their facility asked for or was asked for, not RCH's request to NVH.
        Assert.Equal(4, sbr.Kpis.Filed);
        Assert.DoesNotContain(sbr.Pairs, p => p.Requesting.StartsWith("Ridgeway", StringComparison.Ordinal));
        Assert.Contains("(SBR)", sbr.Scope);

        Assert.Equal(0, longAgo.Kpis.Filed);
        Assert.Empty(longAgo.Pairs);
        Assert.Null(longAgo.Kpis.MedianFiledToDecided);
        Assert.Equal([new DateOnly(2019, 12, 30), new DateOnly(2020, 1, 6), new DateOnly(2020, 1, 13), new DateOnly(2020, 1, 20), new DateOnly(2020, 1, 27)],
            longAgo.Weeks.Select(w => w.WeekStart));
    }

    [Fact]
    public async Task BadPeriods_AreRefused_WithClearMessages()
    {
        var backwards = await fixture.QueryAsync(NetworkAuditor, new GetRequestReport(Today, Today.AddDays(-1)));
        var tooLong = await fixture.QueryAsync(NetworkAuditor, new GetRequestReport(Today.AddDays(-RequestReports.MaxDays), Today));
        using var stream = new MemoryStream();
        var export = await fixture.CommandAsync(NetworkAuditor, new ExportRequestReport(Today, Today.AddDays(-1), stream));

        Assert.Equal(FailureKind.Invalid, backwards.Failure!.Kind);
        Assert.Contains("ends before it starts", backwards.Failure.Message);
        Assert.Contains($"at most {RequestReports.MaxDays} days", tooLong.Failure!.Message);
        Assert.Equal(FailureKind.Invalid, export.Failure!.Kind);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData("clerk.nvh")]
    [InlineData("approver.nvh")]
    [InlineData("netadmin")]
    public async Task NonAuditors_AreRefused(string userName)
    {
        using var stream = new MemoryStream();

        var report = await fixture.QueryAsync(userName, new GetRequestReport(Today.AddDays(-29), Today));
        var export = await fixture.CommandAsync(userName, new ExportRequestReport(Today.AddDays(-29), Today, stream));

        Assert.Equal((FailureKind.Forbidden, FailureKind.Forbidden), (report.Failure!.Kind, export.Failure!.Kind));
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public async Task Export_WritesTheReportsTables_AndIsAudited()
    {
        var report = await ReportAsync(NetworkAuditor, Today.AddDays(-29), Today);
        using var stream = new MemoryStream();

        var result = await fixture.CommandAsync(NetworkAuditor, new ExportRequestReport(Today.AddDays(-29), Today, stream));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split("\r\n");
        Assert.Contains($"Requests filed,{report.Kpis.Filed}", lines);
        Assert.Contains($"Images shared,{report.Kpis.ImagesShared}", lines);
        Assert.Contains("Requesting facility,Source facility,Filed,Approved,Denied,Completed,Images", lines);
        Assert.Contains("Denial reason,Requests", lines);
        Assert.Contains("Stage,Requests,Median hours,90th percentile hours", lines);
        Assert.Contains(lines, l => l.StartsWith("Filed to claimed by an approver,", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Completed by their due time,", StringComparison.Ordinal));
        Assert.Equal(report.Weeks.Count, lines.SkipWhile(l => l != "Week starting,Requests filed").Skip(1).Count(l => l.Length > 0));
        var exports = await fixture.DbAsync(db => db.AuditEvents
            .Where(e => e.Type == AuditEventType.Export && e.UserName == NetworkAuditor).Select(e => e.Description).ToListAsync(Cancel));
        Assert.Contains(exports, d => d.StartsWith("Request report exported as CSV", StringComparison.Ordinal) && d.Contains("the whole network"));
    }

    [Fact]
    public async Task ViewingTheReport_IsAudited_OncePerQuery_WithThePeriodAndScope()
    {
        var auditorSbr = await EnsureUserAsync(fixture, "auditor.sbr", Roles.Auditor, "SBR");
        var sbr = await FacilityIdAsync(fixture, "SBR");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await ReportAsync(auditorSbr, new DateOnly(2021, 3, 1), new DateOnly(2021, 3, 31));

        var views = await fixture.DbAsync(db => db.AuditEvents
            .Where(e => e.UserName == auditorSbr && e.Description.Contains("2021-03-01 to 2021-03-31")).ToListAsync(Cancel));
        var view = Assert.Single(views);
        Assert.Equal((AuditEventType.Query, AuditOutcome.Success, sbr), (view.Type, view.Outcome, view.FacilityId));
        Assert.Contains("Request report viewed", view.Description);
        Assert.Contains("St. Brigid's Regional Hospital (SBR)", view.Description);
        Assert.InRange(view.At, before, DateTimeOffset.UtcNow);
    }
}
