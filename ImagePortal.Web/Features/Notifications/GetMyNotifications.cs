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

/// <summary>The signed-in user's notifications page: all of them, newest first, a page at a time from the server.</summary>
[AuthorizeMessage]
public sealed record ListMyNotifications(int PageIndex, int PageSize) : IQuery<Result<Page<NotificationItem>>>;

/// <summary>Marks one of the user's notifications read (opening it); another user's is not found.</summary>
[AuthorizeMessage]
public sealed record MarkNotificationRead(Guid Id) : ICommand<Result>;

/// <summary>Marks all of the user's notifications read ("Mark all read").</summary>
[AuthorizeMessage]
public sealed record MarkMyNotificationsRead : ICommand<Result>;

public sealed class ListMyNotificationsValidator : IValidator<ListMyNotifications>
{
    public IEnumerable<string> Validate(ListMyNotifications message) => Paging.Validate(message.PageIndex, message.PageSize);
}

public sealed class NotificationsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, TimeProvider clock, ChangeNotifier notifier)
    : IQueryHandler<GetMyNotifications, Result<MyNotifications>>, IQueryHandler<ListMyNotifications, Result<Page<NotificationItem>>>,
      ICommandHandler<MarkNotificationRead, Result>, ICommandHandler<MarkMyNotificationsRead, Result>
{
    public async ValueTask<Result<MyNotifications>> Handle(GetMyNotifications query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var mine = db.UserNotifications.AsNoTracking().Where(n => n.UserId == user.UserId);
        var unread = await mine.CountAsync(n => n.ReadAt == null, cancellationToken);
        var latest = await mine.OrderByDescending(n => n.At).ThenByDescending(n => n.Id).Take(Math.Clamp(query.Take, 1, 50))
            .Select(n => new NotificationItem(n.Id, n.Text, n.Link, n.At, n.ReadAt != null))
            .ToListAsync(cancellationToken);
        return new MyNotifications(unread, latest);
    }

    public async ValueTask<Result<Page<NotificationItem>>> Handle(ListMyNotifications query, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var mine = db.UserNotifications.AsNoTracking().Where(n => n.UserId == user.UserId);
        var total = await mine.CountAsync(cancellationToken);
        var items = await mine.OrderByDescending(n => n.At).ThenByDescending(n => n.Id)
            .Skip(query.PageIndex * query.PageSize).Take(query.PageSize)
            .Select(n => new NotificationItem(n.Id, n.Text, n.Link, n.At, n.ReadAt != null))
            .ToListAsync(cancellationToken);
        return new Page<NotificationItem>(items, total, query.PageIndex, query.PageSize);
    }

    public async ValueTask<Result> Handle(MarkNotificationRead command, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var notification = await db.UserNotifications.SingleOrDefaultAsync(n => n.Id == command.Id && n.UserId == user.UserId, cancellationToken);
        if (notification is null)
        {
            return Result.NotFound("That notification was not found.");
        }

        if (notification.ReadAt is null)
        {
            notification.MarkRead(clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
            await notifier.PublishAsync(ChangeNotifier.NotificationsOf(user.UserId!));
        }

        return Result.Success();
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
