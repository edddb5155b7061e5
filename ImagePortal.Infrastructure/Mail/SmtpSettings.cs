using MailKit.Security;

namespace ImagePortal.Infrastructure.Mail;

/// <summary>The <c>Smtp</c> section. E-mail is off until <see cref="Host"/> is set.</summary>
public sealed class SmtpSettings
{
    public const string SectionName = "Smtp";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>StartTls (default), SslOnConnect, or None (only for a relay on the same machine).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? UserName { get; set; }

    public string? Password { get; set; }

    public string From { get; set; } = "imageportal@localhost";

    /// <summary>The portal's public address, for links in e-mails.</summary>
    public string PortalUrl { get; set; } = "http://localhost:5241";

    public bool Enabled => !string.IsNullOrWhiteSpace(Host);
}
