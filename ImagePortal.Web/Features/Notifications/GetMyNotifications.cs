using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>The signed-in user's bell: how many are unread, and the latest few.</summary>
[AuthorizeMessage]
public sealed record GetMyNotifications(int Take = 10) : IQuery<Result<MyNotifications>>;

public sealed record MyNotifications(int Unread, IReadOnlyList<NotificationItem> Latest);

public sealed record NotificationItem(Guid Id, string Text, string Link, DateTimeOffset At, bool IsRead);

/// <summary>Marks all of the user's notifications read (opening the bell).</summary>
[AuthorizeMessage]
public sealed record MarkMyNotificationsRead : ICommand<Result>;

public sealed class NotificationsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock, ChangeNotifier notifier)
    : IQueryHandler<GetMyNotifications, Result<MyNotifications>>, ICommandHandler<MarkMyNotificationsRead, Result>
{
    public async ValueTask<Result<MyNotifications>> Handle(GetMyNotifications query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var mine = db.UserNotifications.AsNoTracking().Where(n => n.UserId == user.UserId);
        var unread = await mine.CountAsync(n => n.ReadAt == null, cancellationToken);
        var latest = await mine.OrderByDescending(n => n.At).Take(Math.Clamp(query.Take, 1, 50))
            .Select(n => new NotificationItem(n.Id, n.Text, n.Link, n.At, n.ReadAt != null))
            .ToListAsync(cancellationToken);
        return new MyNotifications(unread, latest);
    }

    public async ValueTask<Result> Handle(MarkMyNotificationsRead command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var unread = await db.UserNotifications.Where(n => n.UserId == user.UserId && n.ReadAt == null).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        unread.ForEach(n => n.MarkRead(now));
        await db.SaveChangesAsync(cancellationToken);
        // The user's other tabs clear their badge too.
        await notifier.PublishAsync(ChangeNotifier.NotificationsOf(user.UserId!));
        return Result.Success();
    }
}
