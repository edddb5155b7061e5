namespace ImagePortal.Web.Security;

/// <summary>
/// The circuits each user holds in this process, from the moment one opens until Blazor releases it (closed by the
/// browser, or disconnected for longer than <see cref="AuthenticationSettings.DisconnectedCircuitRetention"/>).
/// </summary>
public sealed class UserCircuits
{
    private readonly Dictionary<string, HashSet<string>> _circuits = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Counts the circuit for the user unless they already hold <paramref name="max"/>.</summary>
    public bool TryAdd(string userId, string circuitId, int max)
    {
        lock (_lock)
        {
            if (!_circuits.TryGetValue(userId, out var circuits))
            {
                circuits = new HashSet<string>(StringComparer.Ordinal);
                _circuits[userId] = circuits;
            }

            return circuits.Count < max && circuits.Add(circuitId);
        }
    }

    public void Remove(string userId, string circuitId)
    {
        lock (_lock)
        {
            if (_circuits.TryGetValue(userId, out var circuits) && circuits.Remove(circuitId) && circuits.Count == 0)
            {
                _circuits.Remove(userId);
            }
        }
    }

    public int CountOf(string userId)
    {
        lock (_lock)
        {
            return _circuits.TryGetValue(userId, out var circuits) ? circuits.Count : 0;
        }
    }
}
