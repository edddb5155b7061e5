using ImagePortal.Infrastructure.Data;
using MailKit.Net.Smtp;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Sends notification e-mails through SMTP (MailKit) when configured. A mail server that is down never fails the
/// user's action: the notification is already under the bell; the failure is logged (without the password).
/// </summary>
public sealed class NotificationMailer(
    IOptionsMonitor<SmtpSettings> settings, IDbContextFactory<ImagePortalDbContext> dbFactory, ILogger<NotificationMailer> logger)
{
    public async Task SendAsync(IReadOnlyCollection<string> userIds, string text, string link, CancellationToken cancellationToken)
    {
        var smtp = settings.CurrentValue;
        if (!smtp.Enabled)
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

        try
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken);
            }

            foreach (var address in addresses)
            {
                // No patient data in e-mail: the text names the request, the link leads to the signed-in page.
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse(smtp.From));
                message.To.Add(new MailboxAddress(address.DisplayName, address.Email!));
                message.Subject = $"ImagePortal: {text}";
                message.Body = new TextPart("plain") { Text = $"{text}\n\n{smtp.PortalUrl.TrimEnd('/')}{link}\n" };
                await client.SendAsync(message, cancellationToken);
            }

            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning("Notification e-mail via {Host}:{Port} failed: {Error} (recipients: {Count})",
                smtp.Host, smtp.Port, exception.Message, addresses.Count);
        }
    }
}
