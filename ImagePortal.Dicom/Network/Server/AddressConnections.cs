using System.Net;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// Open connections per remote address, for <see cref="DicomServerOptions.MaxConnectionsPerAddress"/>. An IPv4 peer
/// seen through a dual-stack socket counts as its IPv4 address.
/// </summary>
internal sealed class AddressConnections
{
    private readonly Dictionary<IPAddress, int> _open = [];
    private readonly Lock _lock = new();

    public static IPAddress Of(EndPoint? remote) => remote switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } mapped => mapped.Address.MapToIPv4(),
        IPEndPoint ip => ip.Address,
        _ => IPAddress.None,
    };

    /// <summary>Counts one more connection from <paramref name="address"/>, unless it already has <paramref name="max"/>.</summary>
    public bool TryAdd(IPAddress address, int max)
    {
        lock (_lock)
        {
            var open = _open.GetValueOrDefault(address);
            if (open >= max)
            {
                return false;
            }

            _open[address] = open + 1;
            return true;
        }
    }

    public void Remove(IPAddress address)
    {
        lock (_lock)
        {
            if (_open.TryGetValue(address, out var open))
            {
                if (open <= 1)
                {
                    _open.Remove(address);
                }
                else
                {
                    _open[address] = open - 1;
                }
            }
        }
    }
}
