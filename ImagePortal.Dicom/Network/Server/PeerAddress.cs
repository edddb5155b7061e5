using System.Net;
using System.Net.Sockets;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>Compares the address a connection came from with the address a peer is expected at.</summary>
public static class PeerAddress
{
    /// <summary>
    /// Whether <paramref name="remote"/> is <paramref name="expected"/>: an IPv4 address seen as IPv4-mapped IPv6 is that
    /// IPv4 address, IPv6 scope ids (link-local <c>%eth0</c>) do not count, and this host's own loopback is one host
    /// (<c>::1</c> is <c>127.0.0.1</c>). Other loopback addresses (<c>127.0.0.2</c>) are distinct: a host may give a
    /// service its own loopback address.
    /// </summary>
    public static bool SameHost(IPAddress remote, IPAddress expected)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(expected);
        var a = Canonical(remote);
        var b = Canonical(expected);
        return a.AddressFamily == b.AddressFamily && a.GetAddressBytes().AsSpan().SequenceEqual(b.GetAddressBytes());
    }

    /// <summary>IPv4-mapped IPv6 as IPv4, the IPv6 loopback as 127.0.0.1, without scope id.</summary>
    public static IPAddress Canonical(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return IPAddress.Loopback;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
    }
}
