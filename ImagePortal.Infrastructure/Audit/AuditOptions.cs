namespace ImagePortal.Infrastructure.Audit;

/// <summary>The <c>Audit</c> section: the chain key, checkpoints and the syslog export.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>
    /// The chain key itself, base64 (at least 32 bytes), for installations that keep secrets in environment variables
    /// or a secret store. Every web and worker node must have the same key.
    /// </summary>
    public string? ChainKey { get; set; }

    /// <summary>
    /// A file holding the chain key (base64). Default <c>keys/audit-chain.key</c> under <c>Storage:DataDirectory</c>,
    /// created on first start only on a developer's machine or a demo server; a production server must be given one.
    /// </summary>
    public string? ChainKeyFile { get; set; }

    /// <summary>Keys that sealed older parts of the trail (base64), kept after a rotation so those events still verify.</summary>
    public List<string> PreviousChainKeys { get; set; } = [];

    /// <summary>A checkpoint after this many events...</summary>
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>...or after this long, whichever comes first, when anything was written since the last one.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often each node walks the chain from the last verified checkpoint in the background
    /// (<see cref="AuditVerificationService"/>), which keeps the auditor's own check short. Zero turns it off.
    /// </summary>
    public TimeSpan VerifyInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Events the CSV export reads per query. The export walks the trail newest first in batches of this many (keyed on
    /// the sequence number) and writes each batch to the response before reading the next, so memory stays the same
    /// however much the filter selects.
    /// </summary>
    public int ExportBatchSize { get; set; } = 2000;

    /// <summary>
    /// How often each node seals audit events that were committed with their change but not sealed into the chain
    /// right after (the process died in between, or the database refused the seal): <see cref="AuditOutboxSweeper"/>.
    /// </summary>
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    public SyslogExportOptions Syslog { get; set; } = new();
}

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
