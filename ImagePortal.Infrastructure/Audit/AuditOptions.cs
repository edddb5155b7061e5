
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
