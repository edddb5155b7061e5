using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// Remembers, in this process, when each user's view of a study for a request was last audited, so that a viewer's
/// hundreds of calls on one study make one "DICOM Instances Accessed" event per <see cref="ViewingSettings.AccessAuditWindow"/>.
/// Concurrent first calls record it once. Another web node, or a restart, records its own first view again: an extra
/// event, never a missing one.
/// </summary>
public sealed class AccessAuditWindow(IOptionsMonitor<ViewingSettings> settings, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string User, string Number, string Study), DateTimeOffset> _audited = new();

    /// <summary>True for the first call of a window (the caller records the event); false for the rest of it.</summary>
    public bool Open(string user, string number, string study)
    {
        var now = clock.GetUtcNow();
        var window = settings.CurrentValue.AccessAuditWindow;
        var key = (user, number, study);
        while (true)
        {
            if (_audited.TryGetValue(key, out var last))
            {
                if (now - last < window)
                {
                    return false;
                }

                if (_audited.TryUpdate(key, now, last))
                {
                    Prune(now, window);
                    return true;
                }
            }
            else if (_audited.TryAdd(key, now))
            {
                return true;
            }
        }
    }

    private void Prune(DateTimeOffset now, TimeSpan window)
    {
        foreach (var stale in _audited.Where(a => now - a.Value >= window).Select(a => a.Key).ToList())
        {
            _audited.TryRemove(stale, out _);
        }
    }
}
