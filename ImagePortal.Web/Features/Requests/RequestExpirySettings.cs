
namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// The network's policy for requests nobody answers: once a request is this long past its due time without a
/// decision it expires, and the clerk who filed it is told, so that they phone the partner instead of waiting.
/// </summary>
public sealed class RequestExpirySettings
{
    public const string SectionName = "Requests:Expiry";

    public bool Enabled { get; set; } = true;

    /// <summary>How long past its due time an undecided request stays open.</summary>
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How often the portal looks for overdue requests.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    public bool IsValid => GracePeriod >= TimeSpan.Zero && Interval >= TimeSpan.FromSeconds(1);
}
