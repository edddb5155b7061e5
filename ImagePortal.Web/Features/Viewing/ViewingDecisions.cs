using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// Remembers, in this process and for <see cref="ViewingSettings.AccessDecisionLifetime"/> (a few seconds), what
/// <see cref="ViewingAccess"/> decided a user may view for a request, and which instances the ledger lists for a clerk's
/// study. A viewer reads a stack in hundreds of calls within seconds; without this each one asked the database the same
/// two to four questions again, a large share of what a frame costs the portal.
/// <para>
/// Only what was allowed is remembered; every refusal is decided (and alerted) afresh. The price is a bound on how late a
/// revocation takes effect: a request closed, a role or facility changed, or an instance deleted from the ledger stops an
/// open viewer's calls at most one lifetime later, and an edited node (the decision holds the node it names) is used as
/// edited at most one lifetime later (a signed-out user's calls stop at once, at authentication). The user's
/// id, facility, viewing roles and their latest look-up grant are part of the key, so a change to any of those
/// is a new decision, and a look-up that finds a new study is seen at once.
/// </para>
/// </summary>
public sealed class ViewingDecisions(IOptionsMonitor<ViewingSettings> settings, TimeProvider clock)
{
    private readonly ConcurrentDictionary<ScopeKey, Remembered<ViewingScope>> _scopes = new();
    private readonly ConcurrentDictionary<(Guid Node, string Study), Remembered<IReadOnlySet<string>>> _ledgers = new();

    /// <summary>Who asks, as far as the decision depends on it.</summary>
    public sealed record ScopeKey(string UserId, Guid? FacilityId, bool Approver, bool FacilityAdmin, bool Clerk, string Number, long? GrantVersion);

    /// <summary>The scope decided for <paramref name="key"/> within the lifetime, else null.</summary>
    public ViewingScope? Scope(ScopeKey key) => Fresh(_scopes, key);

    public void Remember(ScopeKey key, ViewingScope scope) => Keep(_scopes, key, scope);

    /// <summary>The SOP Instance UIDs the ledger lists for a study in a node, from memory within the lifetime, else read.</summary>
    public async Task<IReadOnlySet<string>> LedgerAsync(Guid nodeId, string studyUid, Func<Task<IReadOnlySet<string>>> read)
    {
        if (Fresh(_ledgers, (nodeId, studyUid)) is { } known)
        {
            return known;
        }

        var ledger = await read();
        Keep(_ledgers, (nodeId, studyUid), ledger);
        return ledger;
    }

    private T? Fresh<TKey, T>(ConcurrentDictionary<TKey, Remembered<T>> map, TKey key)
        where TKey : notnull
        where T : class =>
        map.TryGetValue(key, out var remembered) && clock.GetUtcNow() - remembered.At < settings.CurrentValue.AccessDecisionLifetime ? remembered.Value : null;

    private void Keep<TKey, T>(ConcurrentDictionary<TKey, Remembered<T>> map, TKey key, T value)
        where TKey : notnull
        where T : class
    {
        var lifetime = settings.CurrentValue.AccessDecisionLifetime;
        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        var now = clock.GetUtcNow();
        map[key] = new Remembered<T>(value, now);
        // Forget what has expired now and then (a busy node keeps few entries: one per user and request viewed lately).
        if (map.Count > 64)
        {
            foreach (var stale in map.Where(e => now - e.Value.At >= lifetime).Select(e => e.Key).ToList())
            {
                map.TryRemove(stale, out _);
            }
        }
    }

    private sealed record Remembered<T>(T Value, DateTimeOffset At);
}
