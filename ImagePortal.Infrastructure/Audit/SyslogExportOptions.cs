
namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// <c>Audit:Syslog</c>: every audit event as an RFC 5424 message carrying the DICOM PS3.15 A.5.1 audit message, over
/// TLS (RFC 5425), to the hospital's collector (IHE ATNA Audit Record Repository).
/// </summary>
public sealed class SyslogExportOptions
{
    public bool Enabled { get; set; }

    public string Host { get; set; } = string.Empty;

    /// <summary>6514 is syslog over TLS (RFC 5425 section 4.1).</summary>
    public int Port { get; set; } = 6514;

    /// <summary>The name the collector's certificate must carry; default <see cref="Host"/>.</summary>
    public string? ServerName { get; set; }

    /// <summary>PEM file of the CA that issued the collector's certificate; default the system's trust store.</summary>
    public string? TrustedCaFile { get; set; }

    /// <summary>The portal's own certificate for mutual TLS (IHE ATNA node authentication): PEM with its key file, or PKCS#12.</summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    public string? ClientCertificatePassword { get; set; }

    /// <summary>HOSTNAME in the syslog header; default the machine's name.</summary>
    public string? Hostname { get; set; }

    /// <summary>AuditSourceID of the DICOM audit message: which system wrote the trail.</summary>
    public string AuditSourceId { get; set; } = "ImagePortal";

    /// <summary>AuditEnterpriseSiteID: the network or organisation running the portal.</summary>
    public string? EnterpriseSiteId { get; set; }

    public int BatchSize { get; set; } = 200;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a new connection must stay open before the first message goes out (see <see cref="SyslogTlsConnection"/>).</summary>
    public TimeSpan NewConnectionSettle { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The longest wait between attempts while the collector is unreachable (the wait doubles up to it).</summary>
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one node holds the right to send; another takes over when it stops renewing.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
}
