using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// What the retrieval workers of this process tell open pages and the requester's bell, so progress shows without a
/// reload.
/// </summary>
public sealed class RetrievalNotifications(IDbContextFactory<ImagePortalDbContext> dbFactory, ChangeNotifier notifier, TimeProvider clock) : IRetrievalObserver
{
    public Task ProgressAsync(ImageRequest request, CancellationToken cancellationToken) =>
        notifier.PublishAsync(ChangeNotifier.Request(request.Number), ChangeNotifier.Jobs);

    public Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken) =>
        notifier.PublishAsync(
            ChangeNotifier.Request(request.Number), ChangeNotifier.Inbox(request.SourceFacilityId), ChangeNotifier.RequestsOf(request.RequestingFacilityId),
            ChangeNotifier.Jobs);

    public async Task NotifyRequesterAsync(ImageRequest request, string text, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var shortText = text.Length <= 300 ? text : text[..297] + "...";
        db.UserNotifications.Add(new UserNotification(request.RequestedByUserId, shortText, $"/requests/{request.Number}", clock.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        await notifier.PublishAsync(ChangeNotifier.NotificationsOf(request.RequestedByUserId));
    }
}
