using Bunit;
using ImagePortal.Domain.Notifications;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Components.Layout;
using ImagePortal.Web.Features.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>The bell and the notifications page on the real portal services, each test as a demo user of its own (they count unread notifications).</summary>
public sealed class NotificationsComponentsTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private readonly UseCaseFixture _portal;

    public NotificationsComponentsTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpeningTheBell_ReadsNothing_OpeningANotification_ReadsThatOne_AndTheBellLeadsToAllOfThem()
    {
        const string user = "approver.tch";
        var ids = await NotifyAsync(user, 3, "bell");
        await SignInAsync(_portal, user);
        var popover = Render<MudPopoverProvider>();
        var bell = Render<NotificationBell>();
        bell.WaitForAssertion(() => Assert.Contains("Notifications: 3 unread", bell.Markup), TimeSpan.FromSeconds(10));

        await bell.InvokeAsync(() => bell.Find("button").Click());
        popover.WaitForAssertion(() => Assert.Contains("All notifications", popover.Markup), TimeSpan.FromSeconds(10));
        Assert.Equal(3, await UnreadAsync(user));

        var newest = popover.FindAll(".mud-menu-item").First(i => i.TextContent.Contains("bell 2"));
        await popover.InvokeAsync(() => newest.Click());

        await Poll.UntilAsync(async () => await UnreadAsync(user) == 2, TimeSpan.FromSeconds(10));
        Assert.NotNull(await _portal.DbAsync(db => db.UserNotifications.Where(n => n.Id == ids[2]).Select(n => n.ReadAt).SingleAsync(Ct)));
        Assert.EndsWith("/requests/REQ-2026-000802", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri);
    }

    [Fact]
    public async Task ThePage_ListsEachNotificationAsALink_UnreadInBold_AndMarksOneRead()
    {
        const string user = "clerk.tch";
        await NotifyAsync(user, 2, "page");
        await SignInAsync(_portal, user);
        Render<MudPopoverProvider>();

        var page = Render<Notifications>();
        page.WaitForAssertion(() => Assert.Contains("page 1", page.Markup), TimeSpan.FromSeconds(10));
        var link = page.FindAll("a").Single(a => a.TextContent.Contains("page 1"));
        Assert.Equal("/requests/REQ-2026-000801", link.GetAttribute("href"));
        Assert.Contains("font-weight:600", link.GetAttribute("style"));

        var before = await UnreadAsync(user);
        await page.InvokeAsync(() => page.FindAll("button").First(b => b.GetAttribute("aria-label") == "Mark read: page 1 for REQ-2026-000801").Click());

        await Poll.UntilAsync(async () => await UnreadAsync(user) == before - 1, TimeSpan.FromSeconds(10));
        page.WaitForAssertion(() => Assert.DoesNotContain("font-weight:600", page.FindAll("a").Single(a => a.TextContent.Contains("page 1")).GetAttribute("style") ?? ""), TimeSpan.FromSeconds(10));
    }

    private async Task<List<Guid>> NotifyAsync(string user, int count, string label)
    {
        var userId = await _portal.DbAsync(db => db.Users.Where(u => u.UserName == user).Select(u => u.Id).SingleAsync(Ct));
        var now = DateTimeOffset.UtcNow;
        var notifications = Enumerable.Range(0, count)
            .Select(i => new UserNotification(userId, $"{label} {i} for REQ-2026-00080{i}", $"/requests/REQ-2026-00080{i}", now.AddSeconds(i)))
            .ToList();
        await _portal.DbAsync(db =>
        {
            db.UserNotifications.AddRange(notifications);
            return db.SaveChangesAsync(Ct);
        });
        return notifications.Select(n => n.Id).ToList();
    }

    private Task<int> UnreadAsync(string user) => _portal.DbAsync(db => db.UserNotifications.CountAsync(n => n.ReadAt == null && db.Users.Any(u => u.Id == n.UserId && u.UserName == user), Ct));
}
