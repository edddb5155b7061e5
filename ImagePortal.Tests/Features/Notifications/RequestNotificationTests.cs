using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Notifications;

public abstract class RequestNotificationTestsBase(UseCaseFixture fixture)
{
    [Fact]
    public async Task ANewRequest_ReachesEveryApproverOfTheHoldingFacility_AndTheDecisionReachesTheClerk()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Keane", GivenName = "Tomás", Sex = PatientSex.Male, LocalMrn = "NVH-N1", Modalities = ["CR"],
            ClinicalReason = "Fracture follow-up", Priority = RequestPriority.Stat,
        });
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
        Assert.Equal($"SBR denied {number}: Patient consent missing", clerkBell.Value.Latest[0].Text);

        await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new MarkMyNotificationsRead());
        Assert.Equal(0, (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetMyNotifications())).Value!.Unread);
        Assert.Equal(1, (await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetMyNotifications())).Value!.Unread);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class RequestNotificationTests(UseCaseFixture fixture) : RequestNotificationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class RequestNotificationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : RequestNotificationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;

/// <summary>The notifications page: every notification, a page at a time, each read when it is opened, not when the list is seen.</summary>
public abstract class NotificationHistoryTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AllNotificationsArePaged_NewestFirst_AndEachIsReadOneByOne()
    {
        var clerk = await fixture.DbAsync(db => db.Users.Where(u => u.UserName == "clerk.rch").Select(u => u.Id).SingleAsync(Ct));
        var start = new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);
        await fixture.DbAsync(db =>
        {
            db.UserNotifications.AddRange(Enumerable.Range(0, 23).Select(i =>
                new ImagePortal.Domain.Notifications.UserNotification(clerk, $"Notice {i:00} for REQ-2026-0000{i:00}", $"/requests/REQ-2026-0000{i:00}", start.AddMinutes(i))));
            return db.SaveChangesAsync(Ct);
        });

        var first = (await fixture.QueryAsync("clerk.rch", new ListMyNotifications(0, 10))).Value!;
        var third = (await fixture.QueryAsync("clerk.rch", new ListMyNotifications(2, 10))).Value!;
        Assert.Equal(23, first.TotalCount);
        Assert.Equal("Notice 22 for REQ-2026-000022", first.Items[0].Text);
        Assert.Equal(["Notice 02 for REQ-2026-000002", "Notice 01 for REQ-2026-000001", "Notice 00 for REQ-2026-000000"], third.Items.Select(n => n.Text));

        // Seeing the list (the bell or this page) reads nothing; opening one reads that one only.
        Assert.Equal(23, (await fixture.QueryAsync("clerk.rch", new GetMyNotifications())).Value!.Unread);
        var opened = await fixture.CommandAsync("clerk.rch", new MarkNotificationRead(first.Items[3].Id));
        Assert.True(opened.IsSuccess);
        var after = (await fixture.QueryAsync("clerk.rch", new ListMyNotifications(0, 10))).Value!;
        Assert.Equal([3], after.Items.Select((n, i) => (n, i)).Where(x => x.n.IsRead).Select(x => x.i));
        Assert.Equal(22, (await fixture.QueryAsync("clerk.rch", new GetMyNotifications())).Value!.Unread);
    }

    [Fact]
    public async Task AnotherUsersNotification_IsNotFound_AndStaysUnread()
    {
        var approver = await fixture.DbAsync(db => db.Users.Where(u => u.UserName == "approver.tch").Select(u => u.Id).SingleAsync(Ct));
        var theirs = new ImagePortal.Domain.Notifications.UserNotification(approver, "New STAT request REQ-2026-009999 from WXC", "/requests/REQ-2026-009999", DateTimeOffset.UtcNow);
        await fixture.DbAsync(db =>
        {
            db.UserNotifications.Add(theirs);
            return db.SaveChangesAsync(Ct);
        });

        var forged = await fixture.CommandAsync("clerk.tch", new MarkNotificationRead(theirs.Id));

        Assert.Equal(ImagePortal.Domain.Common.FailureKind.NotFound, forged.Failure!.Kind);
        Assert.Null(await fixture.DbAsync(db => db.UserNotifications.Where(n => n.Id == theirs.Id).Select(n => n.ReadAt).SingleAsync(Ct)));
        Assert.DoesNotContain(
            (await fixture.QueryAsync("clerk.tch", new ListMyNotifications(0, 100))).Value!.Items, n => n.Id == theirs.Id);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class NotificationHistoryTests(UseCaseFixture fixture) : NotificationHistoryTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class NotificationHistoryOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : NotificationHistoryTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
