using Bunit;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Features.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>The Jobs board and the progress panel (request page and board) rendered by bUnit on the real portal services.</summary>
public sealed class JobsComponentsTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private const string SourceRefused = "SBR PACS refused the association: calling AE title IMAGEPORTAL not known";
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
    private readonly UseCaseFixture _portal;

    public JobsComponentsTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public void Progress_ShowsInstancesBytesEstimatedTotalRateAndTimeLeft_PerStudy()
    {
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        const long halfMegabyte = 524288;
        var job = new JobRow("REQ-2026-000042", RetrievalJobState.Running, 1, Now, 300, 150, 2, 150 * halfMegabyte, null, false, Now.AddMinutes(-1),
            [new StudyProgressRow("1.2.840.1", new DateOnly(2024, 1, 15), "CT\\SR", "CT chest", 300, 150, 2, 150 * halfMegabyte, Now.AddSeconds(-10), null)]);

        var panel = Render<JobProgress>(p => p.Add(x => x.Job, job));

        var text = Normalize(panel.Find("p").TextContent);
        Assert.Equal("Running · 150 of 300 instances · 75.0 MB of about 150.0 MB · 2 failed · attempt 2", text);
        Assert.Equal("2024-01-15 · CT, SR · CT chest: 150 of 300 images · 75.0 MB of about 150.0 MB · 15.0/s · about 10 s left",
            Normalize(panel.Find(".mud-typography-caption").TextContent));
        Assert.Equal("50", panel.Find("[aria-label='Progress of study 2024-01-15 · CT, SR · CT chest']").GetAttribute("aria-valuenow"));
        // The UID only for a PACS administrator, as a tooltip; never the study's name on screen.
        Assert.Equal("Study Instance UID 1.2.840.1", panel.Find("span[title]").GetAttribute("title"));
        Assert.DoesNotContain("1.2.840.1", Normalize(panel.Find(".mud-typography-caption").TextContent));
        Assert.Empty(panel.FindAll(".mud-alert"));
    }

    [Fact]
    public void Progress_OfAFailedJob_ShowsTheReadableError_AndNoTimeLeft()
    {
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        var job = new JobRow("REQ-2026-000043", RetrievalJobState.Failed, 5, Now, 10, 0, 0, 0, SourceRefused, false, Now.AddHours(-1),
            [new StudyProgressRow("1.2.840.2", null, "MR", null, 10, 0, 0, 0, null, Now)]);

        var panel = Render<JobProgress>(p => p.Add(x => x.Job, job));

        Assert.Equal("Failed · 0 of 10 instances · 0.0 MB · attempt 5", Normalize(panel.Find("p").TextContent));
        var alert = panel.Find(".mud-alert");
        Assert.Contains(SourceRefused, alert.TextContent);
        Assert.Contains("error", alert.ClassName, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Undated · MR: 0 of 10 images · 0.0 MB", Normalize(panel.Find("span.mud-typography-caption, p.mud-typography-caption").TextContent));
    }

    [Theory]
    [InlineData(RetrievalJobState.Succeeded, 0, "")]
    [InlineData(RetrievalJobState.Succeeded, 1, " · attempt 2")] // one failed attempt, then success
    [InlineData(RetrievalJobState.PartiallySucceeded, 2, " · attempt 3")] // "Gave up after 3 attempt(s)"
    [InlineData(RetrievalJobState.Queued, 2, " · attempt 3")] // waiting for its third
    [InlineData(RetrievalJobState.Failed, 3, " · attempt 3")]
    public void Progress_NamesTheAttemptTheJobEndedOn(RetrievalJobState state, int failedAttempts, string shown)
    {
        // The job counts its failed attempts (RetrievalQueue: each one put back in the queue, and the last of a Failed
        // job). A job that gave up after three attempts with some instances imported said "attempt 2" beside its
        // "Gave up after 3 attempt(s)"; one that succeeded on its retry said "attempt 1".
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        var job = new JobRow("REQ-2026-000044", state, failedAttempts, Now, 4, 3, 0, 3072, null, false, Now.AddHours(-1),
            [new StudyProgressRow("1.2.840.3", null, "CT", null, 4, 3, 0, 3072, Now.AddMinutes(-5), Now)]);

        var panel = Render<JobProgress>(p => p.Add(x => x.Job, job));

        var text = Normalize(panel.Find("p").TextContent);
        Assert.StartsWith($"{Labels.Of(state)} · 3 of 4 instances · ", text);
        Assert.EndsWith($" MB{shown}", text);
    }

    [Fact]
    public async Task Board_ShowsTheApproverAFailedRetrieval_WithItsError_AndRetryQueuesItAgain()
    {
        var number = await FailedJobAsync("NVH-J1");

        var (board, snackbars) = await BoardAsAsync(DemoUsers.ApproverSbr.UserName);
        board.WaitForAssertion(() =>
        {
            Assert.Contains(number, board.Markup);
            Assert.Contains(SourceRefused, board.Markup);
            Assert.Contains(board.FindAll(".mud-typography-caption"), c => Normalize(c.TextContent).StartsWith("2024-01-15 · CT · CT chest: 0 of 10 images", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(10));
        Assert.Empty(board.FindAll($"button[aria-label='Cancel the retrieval of {number}']"));

        await board.InvokeAsync(() => board.Find($"button[aria-label='Retry {number}']").Click());

        snackbars.WaitForAssertion(() => Assert.Contains($"{number} is queued again.", snackbars.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(RetrievalJobState.Queued, await JobStateAsync(number));
        board.WaitForAssertion(() =>
        {
            Assert.Empty(board.FindAll($"button[aria-label='Retry {number}']"));
            Assert.Single(board.FindAll($"button[aria-label='Cancel the retrieval of {number}']"));
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Board_ShowsAnApproverOfTheRequestingFacility_NoneOfTheJobsTheirFacilityDidNotApprove()
    {
        var number = await FailedJobAsync("NVH-J2");

        var (board, _) = await BoardAsAsync(DemoUsers.ApproverNvh.UserName);

        board.WaitForAssertion(() => Assert.Contains("No retrievals yet.", board.Markup), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(number, board.Markup);
    }

    /// <summary>The Jobs board as <paramref name="userName"/> sees it, with the providers its menus and messages need.</summary>
    [Fact]
    public async Task FailedInstances_ListsEachWithWhy_TwentyAPage_AndTheNextPageOnRequest()
    {
        var number = await FailedJobAsync("NVH-C8");
        var reasons = Enumerable.Range(1, 25).Select(i => ($"1.2.840.99.8.{i:D2}", $"SBR_PACS could not send it (status 0xB000 (Warning): unreadable file {i})")).ToList();
        await _portal.DbAsync(async db =>
        {
            var job = await db.RetrievalJobs.SingleAsync(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == number), Ct);
            db.FailedInstances.AddRange(reasons.Select(r => new FailedInstance(job.Id, "1.2.840.99.8", r.Item1, r.Item2, Now)));
            return await db.SaveChangesAsync(Ct);
        });
        await SignInAsync(_portal, DemoUsers.ClerkNvh.UserName);

        var panel = Render<FailedInstancesPanel>(p => p.Add(x => x.Number, number).Add(x => x.Failed, 25));

        panel.WaitForAssertion(() => Assert.Equal(20, panel.FindAll("tbody tr").Count));
        Assert.Contains("Instances not imported (25)", panel.Markup);
        var first = panel.FindAll("tbody tr")[0].QuerySelectorAll("td").Select(td => td.TextContent).ToList();
        // The study in words, as approved; its UID only as a tooltip.
        Assert.Equal(["2024-01-15 · CT · CT chest", reasons[0].Item1, reasons[0].Item2], first);
        Assert.Equal("Study Instance UID 1.2.840.99.8", panel.Find("tbody td span[title]").GetAttribute("title"));
        panel.Find("[aria-label='Page 2']").Click();
        panel.WaitForAssertion(() => Assert.Equal(reasons.Skip(20).Select(r => r.Item1), panel.FindAll("tbody tr").Select(tr => tr.QuerySelectorAll("td")[1].TextContent)));
    }

    private async Task<(IRenderedComponent<Jobs> Board, IRenderedComponent<MudSnackbarProvider> Snackbars)> BoardAsAsync(string userName)
    {
        await SignInAsync(_portal, userName);
        Render<MudPopoverProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        return (Render<Jobs>(), snackbars);
    }

    /// <summary>A request of NVH approved by SBR whose retrieval failed for good (no worker runs in this fixture).</summary>
    private async Task<string> FailedJobAsync(string localMrn)
    {
        var number = await AuditorSupport.FileAsync(_portal, DemoUsers.ClerkNvh.UserName, "SBR", localMrn);
        var version = await AuditorSupport.ClaimAsync(_portal, DemoUsers.ApproverSbr.UserName, number);
        var approved = await _portal.CommandAsync(DemoUsers.ApproverSbr.UserName,
            new ApproveRequest(number, version, [new ApprovedStudy("1.2.840.99." + localMrn[^1], new DateOnly(2024, 1, 15), "CT", "CT chest", null, 10, new SourcePatient("SBR-" + localMrn, null, null, null))]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
        await _portal.DbAsync(db => db.RetrievalJobs
            .Where(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == number))
            .ExecuteUpdateAsync(set => set
                .SetProperty(j => j.State, RetrievalJobState.Failed)
                .SetProperty(j => j.Attempts, 5)
                .SetProperty(j => j.LastError, SourceRefused), Ct));
        return number;
    }

    private Task<RetrievalJobState> JobStateAsync(string number) => _portal.DbAsync(db => db.RetrievalJobs
        .Where(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == number))
        .Select(j => j.State)
        .SingleAsync(Ct));

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
