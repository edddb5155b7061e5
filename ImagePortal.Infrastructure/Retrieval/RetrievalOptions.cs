
namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The retrieval workers (<c>Retrieval</c> section).</summary>
public sealed class RetrievalOptions
{
    public const string SectionName = "Retrieval";

    /// <summary>Jobs this process runs at once.</summary>
    public int Concurrency { get; set; } = 2;

    /// <summary>How long a lease lasts without renewal; a dead worker's job is taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether partners' C-MOVE instances reach this worker's Storage SCP. With several worker nodes, partners send a
    /// C-MOVE's instances to the one address they know for the portal's AE title; the workers elsewhere set this to
    /// false and take only jobs whose source offers C-GET.
    /// </summary>
    public bool ReceivesMoves { get; set; } = true;

    /// <summary>How often an idle worker looks for due jobs (an approval in this process wakes it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Failed attempts (transient failures) before the request ends Failed.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the second attempt; doubles with each failure, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// An attempt in which nothing arrives from the source and nothing goes to the destination for this long has stalled
    /// (a source that stopped sending, a destination that stopped answering): it ends as a failed attempt and is retried.
    /// Zero turns the check off.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Folder for received instances on their way to the destination; default <c>spool</c> under <c>Storage:DataDirectory</c>.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>The spool never holds more than this; a transfer that would exceed it is refused (out of resources) and retried.</summary>
    public long SpoolLimitBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Instances received and waiting to be stored at the destination (back-pressure towards the source).</summary>
    public int StoreQueueLength { get; set; } = 32;

    /// <summary>
    /// Associations a job stores into the destination over at once, each with one C-STORE in flight. 1 (the default)
    /// stores one instance at a time; more help a destination that answers each C-STORE slowly (far away, or slow to
    /// index) and serves more associations than the jobs use. The ones beyond the first are a help, never a condition:
    /// one the destination refuses, does not serve within seconds, or drops is not used.
    /// </summary>
    public int StoreAssociations { get; set; } = 1;

    /// <summary>
    /// Instances a job sends in one STOW-RS request (<see cref="DicomWeb.DicomWebOptions.StowBatchSize"/>) when the import
    /// destination is a DICOMweb node: one multipart body, streamed from the spool.
    /// </summary>
    public int StowBatchSize { get; set; } = 50;

    /// <summary>
    /// A STOW-RS batch also ends once its instances hold this many bytes (one larger instance goes alone), so that a
    /// batch that fails as a whole costs little to send again.
    /// </summary>
    public long StowBatchBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How long a quarantined instance is held for an administrator to release or delete; older ones are purged.</summary>
    public TimeSpan QuarantineRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The held instances never total more than this for long: beyond it the oldest are purged.</summary>
    public long QuarantineLimitBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How often the retention looks at the quarantine.</summary>
    public TimeSpan QuarantinePurgeInterval { get; set; } = TimeSpan.FromHours(1);
}
