using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ImagePortal.Infrastructure.Mail;

/// <summary>One plain-text e-mail to one person.</summary>
public sealed record OutgoingMail(string ToName, string ToAddress, string Subject, string Text);

/// <summary>
/// The portal's one way to send e-mail (notifications, invitations): SMTP through MailKit when <see cref="SmtpSettings.Host"/>
/// is set. A mail server that is down never throws into the user's action: the failure is logged (host, port and error,
/// never the password or the text, which may carry a secret link) and the caller learns it from the result.
/// </summary>
public sealed partial class SmtpMailSender(IOptionsMonitor<SmtpSettings> settings, ILogger<SmtpMailSender> logger)
{
    public bool IsEnabled => settings.CurrentValue.Enabled;

    /// <summary>The full address of a portal page (path and query), for the text of a mail.</summary>
    public string LinkTo(string pathAndQuery) => settings.CurrentValue.PortalUrl.TrimEnd('/') + pathAndQuery;

    /// <summary>
    /// Sends the mails over one connection. False when SMTP is off or the server failed (then some may have left);
    /// <paramref name="purpose"/> names them in the log.
    /// </summary>
    public async Task<bool> TrySendAsync(string purpose, IReadOnlyCollection<OutgoingMail> mails, CancellationToken cancellationToken)
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

            foreach (var mail in mails)
            {
                var message = new MimeMessage();
                message.From.Add(MailboxAddress.Parse(smtp.From));
                message.To.Add(new MailboxAddress(mail.ToName, mail.ToAddress));
                message.Subject = mail.Subject;
                message.Body = new TextPart("plain") { Text = mail.Text };
                await client.SendAsync(message, cancellationToken);
            }

            await client.DisconnectAsync(quit: true, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, purpose, smtp.Host, smtp.Port, exception.Message, mails.Count);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Purpose} e-mail via {Host}:{Port} failed: {Error} (recipients: {Count})")]
    private static partial void LogFailed(ILogger logger, string purpose, string? host, int port, string error, int count);
}
