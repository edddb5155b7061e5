using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>How change notifications travel between the nodes of one installation (<c>ChangeFeed</c> section).</summary>
public sealed class ChangeFeedOptions
{
    public const string SectionName = "ChangeFeed";

    /// <summary>
    /// On or off; unset: on wherever another process may share the database (a server database, or a node that is only
    /// web or only worker), off for the single all-in-one SQLite process, which has no one to tell.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>How often a web node reads what other nodes told: the bound on how late a change shows there.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a node gathers keys before writing them as one row (many progress ticks, one write).</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long a missing sequence number is waited for. Two nodes' inserts can commit out of order, so a row may appear
    /// behind one already read; a number never seen after this was skipped by the database (a rolled-back insert).
    /// </summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Rows older than this are deleted: a node that was away longer reloads rather than replays.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    public bool IsValid =>
        PollInterval >= TimeSpan.FromMilliseconds(10) && BatchWindow >= TimeSpan.Zero && GapTimeout > PollInterval && Retention > GapTimeout;

    public bool IsOn(DatabaseProvider provider, PortalRole role) => Enabled ?? (provider != DatabaseProvider.Sqlite || role != PortalRole.All);
}
