using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Mail;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Sends notification e-mails when SMTP is configured. A mail server that is down never fails the user's action: the
/// notification is already under the bell; <see cref="SmtpMailSender"/> logs the failure.
/// </summary>
public sealed class NotificationMailer(SmtpMailSender sender, IDbContextFactory<ImagePortalDbContext> dbFactory)
{
    public async Task SendAsync(IReadOnlyCollection<string> userIds, string text, string link, CancellationToken cancellationToken)
    {
        if (!sender.IsEnabled)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var addresses = await db.Users.AsNoTracking()
            .Where(u => userIds.Contains(u.Id) && u.Email != null && u.EmailConfirmed)
            .Select(u => new { u.Email, u.DisplayName })
            .ToListAsync(cancellationToken);
        if (addresses.Count == 0)
        {
            return;
        }

        // No patient data in e-mail: the text names the request, the link leads to the signed-in page.
        var body = $"{text}\n\n{sender.LinkTo(link)}\n";
        var mails = addresses.Select(a => new OutgoingMail(a.DisplayName, a.Email!, $"ImagePortal: {text}", body)).ToList();
        await sender.TrySendAsync("Notification", mails, cancellationToken);
    }
}
