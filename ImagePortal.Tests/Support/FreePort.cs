using System.Net;
using System.Net.Sockets;

namespace ImagePortal.Tests.Support;

public static class FreePort
{
    /// <summary>
    /// A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it); anything may take it before it is used.
    /// To listen on it, bind port 0 where the listener is in this process, or start through <see cref="PortRetry"/>.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
