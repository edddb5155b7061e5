namespace ImagePortal.Web.Features.Viewing;

/// <summary>The DICOMweb service of the viewer (<c>Viewing</c> section).</summary>
public sealed class ViewingSettings
{
    public const string SectionName = "Viewing";

    /// <summary>
    /// The most bytes the disk cache of retrieved instances holds; beyond it the least recently used instances go. An
    /// instance larger than the whole cache is still served (from its file, already open) and then dropped.
    /// </summary>
    public long CacheSize { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How long a retrieved instance is served from the cache before it is fetched from the PACS again.</summary>
    public TimeSpan CacheExpiry { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The cache folder; default <c>viewing-cache</c> under <c>Storage:DataDirectory</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// How long one C-FIND or one retrieve from the PACS may take before the caller gets 504 (a PACS that does not answer
    /// must not hold a viewer's request for the 30-s DIMSE timeouts, or longer under a C-MOVE queue).
    /// </summary>
    public TimeSpan PacsTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A user's views of one study for one request within this window are one "DICOM Instances Accessed" audit event
    /// (a viewer reads a study in hundreds of calls; the first of them is the event).
    /// </summary>
    public TimeSpan AccessAuditWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long the studies an approver's look-up found stay viewable for that request (while it is open).</summary>
    public TimeSpan LookUpGrantLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How long a user's access decision for a request (and a clerk's ledger of a study) is reused by the DICOMweb calls
    /// that follow (<see cref="ViewingDecisions"/>): the latest a revocation stops an open viewer. Zero decides every call afresh.
    /// </summary>
    public TimeSpan AccessDecisionLifetime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the viewer page's head start (<see cref="ViewerHeadStart"/>: the PACS's answers for the series, the opened
    /// series' instances and its middle image, asked for while the page loads) waits to be taken by the page's own calls.
    /// Each answer is taken once; one not taken in time is dropped. Zero turns the head start off.
    /// </summary>
    public TimeSpan HeadStartLifetime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many answers to one C-FIND of the viewer (series of a study, instances of a series).</summary>
    public int MaxMatches { get; set; } = 5000;

    public bool IsValid => CacheSize > 0 && CacheExpiry > TimeSpan.Zero && PacsTimeout > TimeSpan.Zero && AccessAuditWindow >= TimeSpan.Zero
                           && LookUpGrantLifetime > TimeSpan.Zero && MaxMatches > 0
                           && AccessDecisionLifetime >= TimeSpan.Zero && HeadStartLifetime >= TimeSpan.Zero;
}
