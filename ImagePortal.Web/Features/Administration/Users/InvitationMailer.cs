using ImagePortal.Web.Features.Notifications;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>
/// Mails a new user the link where they choose their own password, when SMTP is configured. Unlike notifications, the
/// caller needs to know whether the mail left: if not, the administrator gets a one-time password to hand over instead.
/// </summary>
public sealed class InvitationMailer(IOptionsMonitor<SmtpSettings> settings, ILogger<InvitationMailer> logger)
{
    public bool IsEnabled => settings.CurrentValue.Enabled;

    /// <param name="link">Path and query on the portal; it carries a secret token, so it is never logged.</param>
    public async Task<bool> SendAsync(string email, string displayName, string userName, string link, CancellationToken cancellationToken)
    {
        var smtp = settings.CurrentValue;
        if (!smtp.Enabled)
        {
            return false;
        }

        try
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync(smtp.Host!, smtp.Port, smtp.Security, cancellationToken);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken);
            }

            var message = new MimeMessage();
            message.From.Add(MailboxAddress.Parse(smtp.From));
            message.To.Add(new MailboxAddress(displayName, email));
            message.Subject = "ImagePortal: your account";
            message.Body = new TextPart("plain")
            {
                Text = $"An ImagePortal account was created for you. Your user name is {userName}.\n\n" +
                       $"Choose your password within 24 hours here:\n{smtp.PortalUrl.TrimEnd('/')}{link}\n",
            };
            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning("Invitation e-mail for {UserName} via {Host}:{Port} failed: {Error}", userName, smtp.Host, smtp.Port, exception.Message);
            return false;
        }
    }
}
