using System.Net;
using System.Net.Sockets;
using ImagePortal.Tests.Support;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// <see cref="PortRetry"/>, the one place a start on a picked port is tried again: a port taken between picking and
/// binding (by a parallel test's Orthanc, Chromium or Kestrel) costs an attempt, not the test.
/// </summary>
public sealed class PortRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStartOnAPortSomeoneHolds_IsTriedAgainOnAnotherPort_AndSucceeds()
    {
        using var holder = Hold();
        var held = Port(holder);
        var picks = Picks(held);
        var tried = new List<int>();

        using var started = await PortRetry.StartAsync("a listener", 1, (ports, _) =>
        {
            tried.Add(ports[0]);
            return Task.FromResult(Bind(ports[0]));
        }, Ct, picks);

        Assert.Equal(2, tried.Count);
        Assert.Equal(held, tried[0]);
        Assert.Equal(tried[1], Port(started));
        Assert.NotEqual(held, Port(started));
    }

    [Fact]
    public async Task AStartThatSeesSomeoneElseAnswerOnItsPort_IsTriedAgain_ThoughItsErrorNamesNoAddress()
    {
        // A peer that never became ready while the port was held by someone else: what failed is only a timeout.
        using var holder = Hold();
        var held = Port(holder);
        var tried = new List<int>();

        var port = await PortRetry.StartAsync("a peer", 1, (ports, _) =>
        {
            tried.Add(ports[0]);
            return ports[0] == held ? throw new TimeoutException("not ready within 20 s") : Task.FromResult(ports[0]);
        }, Ct, Picks(held));

        Assert.Equal([held, port], tried);
    }

    [Fact]
    public async Task AFailureThatIsNotAboutAPort_IsNotTriedAgain()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PortRetry.StartAsync<int>("a peer", 1, (_, _) =>
        {
            attempts++;
            throw new InvalidOperationException("bad configuration");
        }, Ct));

        Assert.Equal(1, attempts);
        Assert.Equal("bad configuration", error.Message);
    }

    [Fact]
    public async Task WhenEveryAttemptFindsItsPortTaken_TheErrorNamesEveryPortTried()
    {
        var holders = Enumerable.Range(0, PortRetry.Attempts).Select(_ => Hold()).ToList();
        try
        {
            var queue = new Queue<int>(holders.Select(Port));
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                PortRetry.StartAsync("a listener", 1, (ports, _) => Task.FromResult(Bind(ports[0])), Ct, queue.Dequeue));

            Assert.All(holders, h => Assert.Contains(Port(h).ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message));
            Assert.Contains("a listener did not start", error.Message);
        }
        finally
        {
            holders.ForEach(h => h.Dispose());
        }
    }

    internal static Socket Hold()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.Listen(16);
        return socket;
    }

    internal static int Port(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Port;

    /// <summary>The held port first, free ones after it.</summary>
    internal static Func<int> Picks(int first)
    {
        var handedOut = false;
        return () =>
        {
            if (handedOut)
            {
                return FreePort.Next();
            }

            handedOut = true;
            return first;
        };
    }

    private static Socket Bind(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen(16);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
