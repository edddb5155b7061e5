using System.Net.Sockets;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>
/// A socket failure in words a PACS administrator acts on, with the system's own name for it in brackets for a
/// search or a ticket (never the enum name alone: "ConnectionRefused" tells a clerk nothing).
/// </summary>
public static class NetworkErrors
{
    public static string Describe(SocketException error) => error.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "nothing accepts connections on that port; is the service running and listening there? (connection refused)",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the host name is not known (DNS lookup failed)",
        SocketError.TimedOut => "no answer from the host (timed out); a firewall may drop the connection",
        SocketError.HostUnreachable or SocketError.HostDown => "the host cannot be reached from this server (host unreachable)",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => "the network is unreachable from this server",
        SocketError.ConnectionReset => "the connection was reset by the other side",
        SocketError.ConnectionAborted => "the connection was aborted",
        SocketError.AddressNotAvailable => "the address is not valid for this server",
        SocketError.AccessDenied => "this server's firewall or policy refuses the connection (access denied)",
        _ => $"network error ({error.Message})",
    };
}
