using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The studies an approver's PACS look-up found for a request, so that they can look at them before approving (the
/// approved ones are on the request itself). Kept in this process's memory for <see cref="ViewingSettings.LookUpGrantLifetime"/>:
/// after a restart, or on another web node, the approver runs the look-up again. Only the user who looked up holds the
/// grant, only for that request, and <see cref="ViewingAccess"/> honours it only while the request is open.
/// <para>
/// Why memory suffices with several web nodes: the load balancer must keep a browser on one node (sticky sessions by
/// cookie, which Blazor Server needs anyway, see the README's "Several nodes on one database"). The look-up runs in the approver's
/// circuit on that node, and the viewer page and every DICOMweb call it makes come from the same browser with the same
/// affinity cookie, so they reach the node that holds the grant. Only when that node goes away (restart, failover) do
/// the calls land elsewhere; the approver's circuit is gone with it, the page reloads on the new node and the look-up is
/// run again there, which grants anew. What must survive a node, the approved studies, is in the database. A grant in
/// the database would add a query to every DICOMweb call of an open request for that rare case.
/// </para>
/// </summary>
public sealed class ViewingGrants(IOptionsMonitor<ViewingSettings> settings, TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string User, string Number), Grant> _grants = new();
    private long _version;

    /// <summary>Records what a look-up found: each study with the Patient ID the PACS gave it.</summary>
    public void Record(string userId, string number, IEnumerable<(string StudyUid, string? PatientId)> studies)
    {
        var now = clock.GetUtcNow();
        var found = studies.Where(s => s.StudyUid.Length > 0).ToDictionary(s => s.StudyUid, s => s.PatientId, StringComparer.Ordinal);
        _grants.AddOrUpdate((userId, number), _ => new Grant(found, now, Interlocked.Increment(ref _version)), (_, old) =>
        {
            var merged = new Dictionary<string, string?>(old.Expired(now, settings.CurrentValue.LookUpGrantLifetime) ? [] : old.Studies, StringComparer.Ordinal);
            foreach (var (study, patient) in found)
            {
                merged[study] = patient;
            }

            return new Grant(merged, now, Interlocked.Increment(ref _version));
        });
        foreach (var stale in _grants.Where(g => g.Value.Expired(now, settings.CurrentValue.LookUpGrantLifetime)).Select(g => g.Key).ToList())
        {
            _grants.TryRemove(stale, out _);
        }
    }

    /// <summary>The studies (and their Patient IDs) <paramref name="userId"/>'s look-ups found for request <paramref name="number"/>.</summary>
    public IReadOnlyDictionary<string, string?> For(string userId, string number) =>
        _grants.TryGetValue((userId, number), out var grant) && !grant.Expired(clock.GetUtcNow(), settings.CurrentValue.LookUpGrantLifetime)
            ? grant.Studies
            : new Dictionary<string, string?>();

    /// <summary>Which of this process's grants <paramref name="userId"/>'s latest look-up for the request made (null: no live grant).</summary>
    public long? GrantVersion(string userId, string number) =>
        _grants.TryGetValue((userId, number), out var grant) && !grant.Expired(clock.GetUtcNow(), settings.CurrentValue.LookUpGrantLifetime)
            ? grant.Version
            : null;

    private sealed record Grant(IReadOnlyDictionary<string, string?> Studies, DateTimeOffset At, long Version)
    {
        public bool Expired(DateTimeOffset now, TimeSpan lifetime) => now - At > lifetime;
    }
}
