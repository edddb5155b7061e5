using ImagePortal.Infrastructure.Mail;

namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>
/// Mails a new user the link where they choose their own password, when SMTP is configured. Unlike notifications, the
/// caller needs to know whether the mail left: if not, the administrator gets a one-time password to hand over instead.
/// </summary>
public sealed class InvitationMailer(SmtpMailSender sender)
{
    public bool IsEnabled => sender.IsEnabled;

    /// <param name="link">Path and query on the portal; it carries a secret token, so it is never logged.</param>
    public Task<bool> SendAsync(string email, string displayName, string userName, string link, CancellationToken cancellationToken)
    {
        var mail = new OutgoingMail(displayName, email, "ImagePortal: your account",
            $"An ImagePortal account was created for you. Your user name is {userName}.\n\n" +
            $"Choose your password within 24 hours here:\n{sender.LinkTo(link)}\n");
        return sender.TrySendAsync($"Invitation ({userName})", [mail], cancellationToken);
    }
}
