using System.Text.RegularExpressions;
using ImagePortal.Domain.Notifications;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>The bell in the app bar, as a clerk sees it in Chromium.</summary>
public sealed class NotificationBellTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheBell_ShowsTimesInTheFacilitysZone_AndOpeningANotificationReadsOnlyThatOne()
    {
        await browser.App.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
            var clerk = await db.Users.Where(u => u.UserName == DemoUsers.ClerkNvh.UserName).Select(u => u.Id).SingleAsync(Ct);
            db.UserNotifications.Add(new UserNotification(clerk, "SBR approved REQ-2026-000777: 1 study", "/requests/REQ-2026-000777", DateTimeOffset.UtcNow.AddMinutes(-2)));
            db.UserNotifications.Add(new UserNotification(clerk, "SBR denied REQ-2026-000778: Patient consent missing", "/requests/REQ-2026-000778", DateTimeOffset.UtcNow.AddMinutes(-1)));
            return await db.SaveChangesAsync(Ct);
        });
        await using var context = await browser.NewContextAsync();
        var clerk = await SignedIn.AsAsync(context, DemoUsers.ClerkNvh);
        await clerk.GotoAsync("/");
        await new Shell(clerk).WaitUntilInteractiveAsync();

        var bell = clerk.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Notifications") });
        await Expect(bell).ToHaveAccessibleNameAsync(new Regex(@"Notifications: \d+ unread"));
        var unread = int.Parse(Regex.Match(await bell.GetAttributeAsync("aria-label") ?? "", @"(\d+) unread").Groups[1].Value);
        await bell.ClickAsync();

        var approved = clerk.GetByRole(AriaRole.Menuitem, new() { NameRegex = new Regex("REQ-2026-000777") });
        await Expect(approved).ToContainTextAsync("Europe/Dublin");
        await Expect(bell).ToHaveAccessibleNameAsync($"Notifications: {unread} unread");

        await approved.ClickAsync();
        await Expect(clerk).ToHaveURLAsync(new Regex("/requests/REQ-2026-000777$"));
        await Expect(bell).ToHaveAccessibleNameAsync(unread == 1 ? "Notifications" : $"Notifications: {unread - 1} unread");
    }
}
