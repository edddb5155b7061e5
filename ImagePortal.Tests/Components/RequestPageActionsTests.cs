using Bunit;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>
/// The request page offers, in each state, exactly what the state machine would accept from the person looking: a
/// closed request (completed, denied...) offers nothing, not even to the approver who decided it.
/// </summary>
public sealed class RequestPageActionsTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private static readonly string[] Actions =
        ["Claim", "Release", "Ask for information", "Deny", "Search PACS", "Cancel request", "Answer and resubmit"];

    /// <summary>How a request gets to each state after it was filed: the approver who claims it does the approver's part.</summary>
    private static readonly Dictionary<RequestStatus, Action<ImageRequest, string, DateTimeOffset>> PathTo = new()
    {
        [RequestStatus.Submitted] = (_, _, _) => { },
        [RequestStatus.Claimed] = (r, approver, now) => r.Claim(approver, now),
        [RequestStatus.NeedsInfo] = (r, approver, now) => { r.Claim(approver, now); r.AskForInformation(approver, "Which side?", now); },
        [RequestStatus.Approved] = Approve,
        [RequestStatus.Denied] = (r, approver, now) => { r.Claim(approver, now); r.Deny(approver, DenialReason.PatientNotFound, null, now); },
        [RequestStatus.Cancelled] = (r, _, now) => r.Cancel("clerk", now),
        [RequestStatus.Expired] = (r, _, _) => r.Expire(r.DueAt.AddMinutes(1)),
        [RequestStatus.Retrieving] = (r, approver, now) => { Approve(r, approver, now); r.StartRetrieval(now); },
        [RequestStatus.Completed] = (r, approver, now) => { Approve(r, approver, now); r.StartRetrieval(now); r.CompleteRetrieval(3, 0, now); },
        [RequestStatus.PartiallyCompleted] = (r, approver, now) => { Approve(r, approver, now); r.StartRetrieval(now); r.CompleteRetrieval(2, 1, now); },
        [RequestStatus.Failed] = (r, approver, now) => { Approve(r, approver, now); r.StartRetrieval(now); r.FailRetrieval("The source refused the association.", now); },
    };

    private readonly UseCaseFixture _portal;

    public RequestPageActionsTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    public static TheoryData<RequestStatus> EveryState() => new(Enum.GetValues<RequestStatus>());

    [Theory]
    [MemberData(nameof(EveryState))]
    public async Task TheApproverWhoClaimedIt_IsOfferedOnlyWhatTheStateAllows(RequestStatus status)
    {
        var number = await RequestInStateAsync(status);

        var offered = await OfferedToAsync(DemoUsers.ApproverSbr.UserName, number);

        Assert.Equal(
            status switch
            {
                RequestStatus.Submitted => ["Claim"],
                RequestStatus.Claimed => ["Release", "Ask for information", "Deny", "Search PACS"],
                _ => [],
            },
            offered);
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public async Task AColleagueOfTheApprover_IsOfferedAClaimOnlyWhileNobodyHasClaimedIt(RequestStatus status)
    {
        var number = await RequestInStateAsync(status);

        var offered = await OfferedToAsync(DemoUsers.SecondApproverSbr.UserName, number);

        Assert.Equal(status == RequestStatus.Submitted ? ["Claim"] : [], offered);
    }

    [Theory]
    [MemberData(nameof(EveryState))]
    public async Task TheClerkWhoAsked_IsOfferedOnlyWhatTheStateAllows(RequestStatus status)
    {
        var number = await RequestInStateAsync(status);

        var offered = await OfferedToAsync(DemoUsers.ClerkNvh.UserName, number);

        Assert.Equal(
            status switch
            {
                RequestStatus.Submitted or RequestStatus.Claimed => ["Cancel request"],
                RequestStatus.NeedsInfo => ["Answer and resubmit"],
                _ => [],
            },
            offered);
    }

    private static void Approve(ImageRequest request, string approver, DateTimeOffset now)
    {
        request.Claim(approver, now);
        request.Approve(approver, [new RequestedStudy("1.2.826.0.1.3680043.8.498.4242", new DateOnly(2025, 5, 2), "CT", "CT THORAX", null, 3,
            new SourcePatient("SBR-4242", null, "Page^Actions", null))], now);
    }

    /// <summary>Files a request from NVH to SBR and takes it to <paramref name="status"/>.</summary>
    private async Task<string> RequestInStateAsync(RequestStatus status)
    {
        var ct = Xunit.TestContext.Current.CancellationToken;
        var sbr = await _portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(ct));
        var filed = await _portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Page", GivenName = "Actions", LocalMrn = $"NVH-PA-{Guid.NewGuid():N}"[..20], Modalities = ["CT"],
            ClinicalReason = "Compare with the prior CT.", ConfirmedNotDuplicate = true,
        });
        Assert.True(filed.IsSuccess, filed.Failure?.Message);
        var number = filed.Value!.Number!;
        await _portal.DbAsync(async db =>
        {
            var approver = await db.Users.Where(u => u.UserName == DemoUsers.ApproverSbr.UserName).Select(u => u.Id).SingleAsync(ct);
            var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Number == number, ct);
            PathTo[status](request, approver, DateTimeOffset.UtcNow);
            Assert.Equal(status, request.Status);
            return await db.SaveChangesAsync(ct);
        });
        return number;
    }

    /// <summary>The request page as <paramref name="userName"/> sees it: which of the request's actions it offers.</summary>
    private async Task<string[]> OfferedToAsync(string userName, string number)
    {
        await SignInAsync(_portal, userName);
        Render<MudPopoverProvider>();
        var page = Render<RequestPage>(p => p.Add(x => x.Number, number));
        page.WaitForAssertion(() => Assert.Equal(number, page.Find("h1").TextContent), TimeSpan.FromSeconds(10));
        var buttons = page.FindAll("button").Select(b => b.TextContent.Trim()).ToList();
        return Actions.Where(buttons.Contains).ToArray();
    }
}
