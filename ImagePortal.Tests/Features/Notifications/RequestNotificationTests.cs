using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Notifications;

public sealed class RequestNotificationTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    [Fact]
    public async Task ANewRequest_ReachesEveryApproverOfTheHoldingFacility_AndTheDecisionReachesTheClerk()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new FileRequest(
            sbr, "Keane", "Tomás", null, PatientSex.Male, null, "NVH-N1", ["CR"], null, null, null, null, "Fracture follow-up", RequestPriority.Stat));
        var number = filed.Value!.Number!;

        foreach (var approver in new[] { DemoUsers.ApproverSbr.UserName, DemoUsers.SecondApproverSbr.UserName })
        {
            var bell = await fixture.QueryAsync(approver, new GetMyNotifications());
            Assert.Equal(1, bell.Value!.Unread);
            Assert.Equal($"New STAT request {number} from NVH", bell.Value.Latest[0].Text);
            Assert.Equal($"/requests/{number}", bell.Value.Latest[0].Link);
        }

        Assert.Equal(0, (await fixture.QueryAsync(DemoUsers.ApproverNvh.UserName, new GetMyNotifications())).Value!.Unread);

        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new DenyRequest(number, seen.Value!.Version, DenialReason.ConsentMissing, null));

        var clerkBell = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetMyNotifications());
        Assert.Equal(1, clerkBell.Value!.Unread);
        Assert.Equal($"SBR denied {number}: ConsentMissing", clerkBell.Value.Latest[0].Text);

        await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new MarkMyNotificationsRead());
        Assert.Equal(0, (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetMyNotifications())).Value!.Unread);
        Assert.Equal(1, (await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetMyNotifications())).Value!.Unread);
    }
}
