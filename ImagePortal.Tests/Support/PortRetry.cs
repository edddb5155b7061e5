using System.Net;
using System.Net.Sockets;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Starts something that must be told its ports before it binds them (a peer program's command line or config file, the
/// portal's Storage SCP setting): picks free ports, starts, and when the start failed because a port was taken between
/// picking and binding (test collections run Orthanc, DCMTK, Chromium and Kestrel side by side), picks new ones and
/// starts again, at most <see cref="Attempts"/> times. What binds in this process binds port 0 instead (no race at all).
/// </summary>
public static class PortRetry
{
    public const int Attempts = 5;

    /// <summary>
    /// Calls <paramref name="start"/> with <paramref name="count"/> ports from <paramref name="pick"/> (default
    /// <see cref="FreePort.Next"/>) until it returns; it must clean up after itself when it throws. A failure is tried
    /// again only where a port was the cause: the error says an address is in use, or one of its ports is held by
    /// another program now. Any other failure is thrown at once; after the last attempt an error names every port tried.
    /// </summary>
    public static async Task<T> StartAsync<T>(
        string what, int count, Func<IReadOnlyList<int>, CancellationToken, Task<T>> start, CancellationToken cancellationToken,
        Func<int>? pick = null)
    {
        pick ??= FreePort.Next;
        var tried = new List<IReadOnlyList<int>>();
        var failures = new List<Exception>();
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            var ports = PickDistinct(pick, count);
            tried.Add(ports);
            try
            {
                return await start(ports, cancellationToken);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested && IsPortTaken(error, ports))
            {
                failures.Add(error);
            }
        }

        throw new InvalidOperationException(
            $"{what} did not start on any of the ports tried ({string.Join("; ", tried.Select(p => string.Join(", ", p)))}): " +
            $"each time one was taken. Last error: {failures[^1].Message}",
            new AggregateException(failures));
    }

    /// <summary>Whether <paramref name="error"/> says an address was in use, or one of <paramref name="ports"/> is held by someone else now.</summary>
    public static bool IsPortTaken(Exception error, IReadOnlyList<int> ports) =>
        SaysAddressInUse(error) || ports.Any(port => !IsFree(port));

    /// <summary>True when nobody listens on <paramref name="port"/> (a listener on 127.0.0.1 or the wildcard address would refuse this bind).</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // A closed connection's TIME_WAIT on the port is not a listener: peers bind over it as well.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool SaysAddressInUse(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } ||
                e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) ||
                e.Message.Contains("address in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(SaysAddressInUse))
            {
                return true;
            }
        }

        return false;
    }

    private static List<int> PickDistinct(Func<int> pick, int count)
    {
        var ports = new List<int>(count);
        while (ports.Count < count)
        {
            var port = pick();
            if (!ports.Contains(port))
            {
                ports.Add(port);
            }
        }

        return ports;
    }
}
