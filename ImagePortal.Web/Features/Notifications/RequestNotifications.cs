using ImagePortal.Domain.Common;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Web.Features.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Decides who hears about a change of a request and puts it under their bell: approvers of the holding facility
/// for new and answered requests, the requesting clerk for decisions and questions.
/// </summary>
public sealed class RequestNotifications(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ChangeNotifier notifier, NotificationMailer mailer, TimeProvider clock)
{
    public async Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var codes = await db.Facilities.AsNoTracking()
            .Where(f => f.Id == request.RequestingFacilityId || f.Id == request.SourceFacilityId)
            .ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        var requester = codes[request.RequestingFacilityId];
        var source = codes[request.SourceFacilityId];
        var link = $"/requests/{request.Number}";
        var (recipients, text) = what switch
        {
            RequestEventKind.Submitted => (await ApproversOfAsync(db, request.SourceFacilityId, cancellationToken),
                $"New {Priority(request)} request {request.Number} from {requester}"),
            RequestEventKind.Resubmitted => (await ApproversOfAsync(db, request.SourceFacilityId, cancellationToken),
                $"{requester} answered your question on {request.Number}"),
            RequestEventKind.Approved => ([request.RequestedByUserId], $"{source} approved {request.Number}: {request.Studies.Count} {(request.Studies.Count == 1 ? "study" : "studies")}"),
            RequestEventKind.Denied => ([request.RequestedByUserId], $"{source} denied {request.Number}: {(request.DenialReason is { } reason ? Labels.Of(reason) : "no reason given")}"),
            RequestEventKind.InformationRequested => ([request.RequestedByUserId], $"{source} asks about {request.Number}: {request.DecisionNote}"),
            RequestEventKind.Expired => ([request.RequestedByUserId], $"{request.Number} expired: {source} did not decide by its due time. Phone them or file it again"),
            RequestEventKind.Comment => (await CommentRecipientsAsync(db, request, cancellationToken), $"New comment on {request.Number}: {request.Events[^1].Text}"),
            _ => (new List<string>(), string.Empty),
        };
        if (recipients.Count == 0)
        {
            return;
        }

        // The text may quote a note; notifications hold no more than the request page shows these same users.
        var shortText = text.Length <= 300 ? text : text[..297] + "...";
        var now = clock.GetUtcNow();
        db.UserNotifications.AddRange(recipients.Select(userId => new UserNotification(userId, shortText, link, now)));
        await db.SaveChangesAsync(cancellationToken);
        await notifier.PublishAsync(recipients.Select(ChangeNotifier.NotificationsOf).ToArray());
        // E-mail leaves the portal: it names the request, never a note or comment that could carry patient details.
        var mailText = what switch
        {
            RequestEventKind.InformationRequested => $"{source} asks a question about {request.Number}",
            RequestEventKind.Comment => $"New comment on {request.Number}",
            _ => shortText,
        };
        await mailer.SendAsync(recipients, mailText, link, cancellationToken);
    }

    private static string Priority(ImageRequest request) => request.Priority switch
    {
        RequestPriority.Stat => "STAT",
        RequestPriority.Urgent => "urgent",
        _ => "routine",
    };

    /// <summary>The other side of the thread: a clerk's comment goes to the approvers, an approver's to the requester.</summary>
    private static async Task<List<string>> CommentRecipientsAsync(ImagePortalDbContext db, ImageRequest request, CancellationToken cancellationToken)
    {
        var author = request.Events[^1].UserId;
        var recipients = await ApproversOfAsync(db, request.SourceFacilityId, cancellationToken);
        recipients.Add(request.RequestedByUserId);
        return recipients.Where(id => id != author).Distinct().ToList();
    }

    private static async Task<List<string>> ApproversOfAsync(ImagePortalDbContext db, Guid facilityId, CancellationToken cancellationToken)
    {
        var approverRole = await db.Roles.Where(r => r.Name == Roles.Approver).Select(r => r.Id).SingleAsync(cancellationToken);
        return await db.Users
            .Where(u => u.FacilityId == facilityId && !u.IsDisabled && db.UserRoles.Any(ur => ur.UserId == u.Id && ur.RoleId == approverRole))
            .Select(u => u.Id)
            .ToListAsync(cancellationToken);
    }
}
