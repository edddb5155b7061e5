using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Features.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Nodes;
using ImagePortal.Web.Features.Home;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Home;

public abstract class HomeTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CurrentFacility_IsTheUsersOwn()
    {
        var nvh = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetCurrentFacility());
        var sbr = await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetCurrentFacility());

        Assert.Equal("Northvale General Hospital (NVH)", nvh.Value!.Label);
        Assert.Equal("St. Brigid's Regional Hospital (SBR)", sbr.Value!.Label);
    }

    [Fact]
    public async Task NetworkWideStaff_HaveNoFacility()
    {
        var result = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetCurrentFacility());

        Assert.Null(result.Value!.Id);
        Assert.Equal("Network-wide", result.Value.Label);
    }

    [Fact]
    public async Task Summary_HasAPartPerRoleTheUserHolds_AndNoOther()
    {
        var clerk = await SummaryAsync(DemoUsers.ClerkNvh.UserName);
        var approver = await SummaryAsync(DemoUsers.ApproverSbr.UserName);
        var admin = await SummaryAsync(DemoUsers.NetworkAdmin.UserName);

        Assert.True(clerk is { Clerk: not null, Approver: null, Auditor: null, Admin: null });
        Assert.True(approver is { Clerk: null, Approver: not null, Auditor: null, Admin: null });
        Assert.True(admin is { Clerk: null, Approver: null, Admin: not null });
    }

    [Fact]
    public async Task ClerkAndApprover_CountTheirOwnFacilitysRequests_AndTheOtherFacilityNeverSeesThem()
    {
        var nvhBefore = (await SummaryAsync(DemoUsers.ClerkNvh.UserName)).Clerk!;
        var sbrClerkBefore = (await SummaryAsync(DemoUsers.ClerkSbr.UserName)).Clerk!;
        var sbrBefore = (await SummaryAsync(DemoUsers.ApproverSbr.UserName)).Approver!;
        var nvhApproverBefore = (await SummaryAsync(DemoUsers.ApproverNvh.UserName)).Approver!;
        var colleagueBefore = (await SummaryAsync(DemoUsers.SecondApproverSbr.UserName)).Approver!;

        var overdue = await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "HOME-1");
        var claimed = await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "HOME-2");
        await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == overdue)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DueAt, DateTimeOffset.UtcNow.AddHours(-1)), Cancel));
        await AuditorSupport.ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, claimed);

        var nvh = (await SummaryAsync(DemoUsers.ClerkNvh.UserName)).Clerk!;
        Assert.Equal(nvhBefore.Open + 2, nvh.Open);
        Assert.Equal(nvhBefore.AwaitingAnswer + 2, nvh.AwaitingAnswer);
        Assert.Equal(nvhBefore.Overdue + 1, nvh.Overdue);
        Assert.Equal(claimed, nvh.RecentUpdates[0].Number);
        var sbr = (await SummaryAsync(DemoUsers.ApproverSbr.UserName)).Approver!;
        Assert.Equal(sbrBefore.Inbox + 2, sbr.Inbox);
        Assert.Equal(sbrBefore.Overdue + 1, sbr.Overdue);
        Assert.Equal(sbrBefore.ClaimedByMe + 1, sbr.ClaimedByMe);
        Assert.Contains(sbr.NextDue, r => r.Number == overdue);

        // The other facility's clerk and approver, and the claimer's colleague, see none of it.
        Assert.Equal(Counts(sbrClerkBefore), Counts((await SummaryAsync(DemoUsers.ClerkSbr.UserName)).Clerk!));
        Assert.Equal(Counts(nvhApproverBefore), Counts((await SummaryAsync(DemoUsers.ApproverNvh.UserName)).Approver!));
        Assert.Equal(colleagueBefore.ClaimedByMe, (await SummaryAsync(DemoUsers.SecondApproverSbr.UserName)).Approver!.ClaimedByMe);
    }

    [Theory]
    [InlineData(RequestQueue.Open)]
    [InlineData(RequestQueue.AwaitingAnswer)]
    [InlineData(RequestQueue.Overdue)]
    [InlineData(RequestQueue.CompletedToday)]
    public async Task EachClerkFigure_IsTheNumberOfRowsItsLinkOpens(RequestQueue queue)
    {
        var number = await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", $"HOME-Q-{queue}");
        await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.DueAt, DateTimeOffset.UtcNow.AddHours(-2)), Cancel));

        var clerk = (await SummaryAsync(DemoUsers.ClerkNvh.UserName)).Clerk!;
        var list = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(Queue: queue), 0, 10));

        var expected = queue switch
        {
            RequestQueue.Open => clerk.Open,
            RequestQueue.AwaitingAnswer => clerk.AwaitingAnswer,
            RequestQueue.Overdue => clerk.Overdue,
            _ => clerk.CompletedToday,
        };
        Assert.Equal(expected, list.Value!.TotalCount);
        Assert.Equal(queue != RequestQueue.CompletedToday, list.Value.Items.Any(r => r.Number == number));
    }

    [Fact]
    public async Task ApproverFigures_AreTheRowsTheirInboxLinksOpen()
    {
        var number = await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "HOME-INBOX");
        await AuditorSupport.ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, number);

        var approver = (await SummaryAsync(DemoUsers.ApproverSbr.UserName)).Approver!;
        var mine = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListInbox(new RequestFilter(Queue: RequestQueue.ClaimedByMe), 0, 100));
        var dueToday = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListInbox(new RequestFilter(Queue: RequestQueue.DueToday), 0, 100));

        Assert.Equal(approver.ClaimedByMe, mine.Value!.TotalCount);
        Assert.Contains(mine.Value.Items, r => r.Number == number);
        Assert.Equal(approver.DueToday, dueToday.Value!.TotalCount);
    }

    [Fact]
    public async Task TheAdministratorsFailedRetrievals_AreTheRowsTheirJobsLinkOpens()
    {
        var failedUid = "1.2.826.0.1.3680043.8.498.77001";
        await fixture.DbAsync(async db =>
        {
            var facilities = await ApprovedJobs.FacilitiesAsync(db, Cancel);
            var now = DateTimeOffset.UtcNow;
            ApprovedJobs.Add(db, facilities, "REQ-2026-770001", "Failing", "NVH-F1", failedUid, now);
            ApprovedJobs.Add(db, facilities, "REQ-2026-770002", "Queued", "NVH-F2", failedUid + ".2", now);
            await db.SaveChangesAsync(Cancel);
            return await db.RetrievalJobs.Where(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == "REQ-2026-770001"))
                .ExecuteUpdateAsync(j => j.SetProperty(x => x.State, RetrievalJobState.Failed), Cancel);
        });

        foreach (var admin in new[] { DemoUsers.NetworkAdmin.UserName, DemoUsers.AdminNvh.UserName })
        {
            var figure = (await SummaryAsync(admin)).Admin!.FailedJobs;
            var list = await fixture.QueryAsync(admin, new ListJobs(0, 100, RetrievalJobState.Failed));

            Assert.True(figure >= 1, admin);
            Assert.Equal(figure, list.Value!.TotalCount);
            Assert.All(list.Value.Items, j => Assert.Equal(RetrievalJobState.Failed, j.State));
            Assert.Contains(list.Value.Items, j => j.Number == "REQ-2026-770001");
        }
    }

    [Fact]
    public async Task ANodeThatDidNotAnswerTestConnection_IsListedForItsFacilitysAdmin_AndNetworkAdmins_NotOthers()
    {
        var (sbr, node) = await fixture.DbAsync(db => db.DicomNodes.Join(db.Facilities.Where(f => f.Code == "SBR"), n => n.FacilityId, f => f.Id, (n, f) => new { n.FacilityId, n.Id })
            .Select(x => new ValueTuple<Guid, Guid>(x.FacilityId, x.Id)).FirstAsync(Cancel));

        // The demo PACS do not run in these tests: the C-ECHO gets no answer.
        var echo = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new TestNodeConnection(sbr, node));
        Assert.False(echo.Value!.Succeeded);

        var network = (await SummaryAsync(DemoUsers.NetworkAdmin.UserName)).Admin!;
        var nvhAdmin = (await SummaryAsync(DemoUsers.AdminNvh.UserName)).Admin!;
        var failing = Assert.Single(network.FailingNodes, n => n.FacilityId == sbr);
        Assert.Equal("SBR", failing.FacilityCode);
        Assert.False(string.IsNullOrEmpty(failing.Error));
        Assert.DoesNotContain(nvhAdmin.FailingNodes, n => n.FacilityId == sbr);
    }

    [Fact]
    public async Task Auditors_CountThisMonthInTheirScope_AndSecurityAlertsOfTheLastWeek()
    {
        var nvhAuditor = await AuditorSupport.EnsureUserAsync(fixture, "auditor.home.nvh", Roles.Auditor, "NVH");
        var licAuditor = await AuditorSupport.EnsureUserAsync(fixture, "auditor.home.lic", Roles.Auditor, "LIC");
        var networkBefore = (await SummaryAsync(AuditorSupport.NetworkAuditor)).Auditor!;
        var nvhBefore = (await SummaryAsync(nvhAuditor)).Auditor!;
        var licBefore = (await SummaryAsync(licAuditor)).Auditor!;

        await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "HOME-AUDIT");

        var network = (await SummaryAsync(AuditorSupport.NetworkAuditor)).Auditor!;
        var nvh = (await SummaryAsync(nvhAuditor)).Auditor!;
        Assert.Equal("the whole network", network.Scope);
        Assert.Equal(networkBefore.FiledThisMonth + 1, network.FiledThisMonth);
        Assert.Equal(nvhBefore.FiledThisMonth + 1, nvh.FiledThisMonth);
        Assert.Equal(Counts(licBefore), Counts((await SummaryAsync(licAuditor)).Auditor!));
        Assert.InRange(network.AlertsSince, DateTimeOffset.UtcNow.AddDays(-7).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(-7).AddMinutes(5));
    }

    private static (int, int, int, int) Counts(ClerkHome home) => (home.Open, home.AwaitingAnswer, home.Overdue, home.CompletedToday);

    private static (int, int, int, int) Counts(ApproverHome home) => (home.Inbox, home.DueToday, home.Overdue, home.ClaimedByMe);

    private static (int, int, int, long, int) Counts(AuditorHome home) =>
        (home.FiledThisMonth, home.DeniedThisMonth, home.CompletedThisMonth, home.ImagesThisMonth, home.SecurityAlerts);

    private async Task<HomeSummary> SummaryAsync(string userName)
    {
        var result = await fixture.QueryAsync(userName, new GetHomeSummary());
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!;
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class HomeTests(UseCaseFixture fixture) : HomeTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class HomeOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : HomeTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
