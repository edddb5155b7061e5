using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network.Association;

namespace ImagePortal.Tests.Network.Association;

/// <summary>
/// Our sockets acknowledge what they read at once, even after the kernel went back to delayed ACKs (as Linux does on
/// its own while we send): a Nagle-on peer that writes a PDU in two parts waits for that ACK before the second.
/// </summary>
public sealed class QuickAckTests
{
    private const int IpProtoTcp = 6;
    private const int TcpQuickAck = 12;

    /// <summary>The first part of a P-DATA-TF PDU as a Nagle-on peer may send it alone.</summary>
    private static readonly byte[] PduHeader = [0x04, 0x00, 0x00, 0x00, 0x00, 0xC8];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AReadThatFindsDataWaiting_LeavesTheSocketAcknowledgingAtOnce()
    {
        await using var connection = await Connection.OpenAsync();
        var buffer = new byte[64];

        DelayAcks(connection.Ours);
        await connection.Peer.SendAsync(PduHeader, Ct);
        await WaitUntilReadableAsync(connection.Ours);
        Assert.Equal(6, connection.Stream.Read(buffer));
        Assert.True(AcknowledgesAtOnce(connection.Ours));

        DelayAcks(connection.Ours);
        await connection.Peer.SendAsync(PduHeader, Ct);
        await WaitUntilReadableAsync(connection.Ours);
        Assert.Equal(6, await connection.Stream.ReadAsync(buffer, Ct));
        Assert.True(AcknowledgesAtOnce(connection.Ours));
    }

    [Fact]
    public async Task AReadPostedBeforeTheDataArrives_LeavesTheSocketAcknowledgingAtOnce()
    {
        await using var connection = await Connection.OpenAsync();
        var buffer = new byte[64];

        DelayAcks(connection.Ours);
        var read = connection.Stream.ReadAsync(buffer, Ct);
        Assert.False(read.IsCompleted);
        await connection.Peer.SendAsync(PduHeader, Ct);

        Assert.Equal(6, await read);
        Assert.True(AcknowledgesAtOnce(connection.Ours));
    }

    /// <summary>A loopback connection: the peer's socket, ours, and our socket's stream as associations use it.</summary>
    private sealed class Connection(Socket peer, Socket ours) : IAsyncDisposable
    {
        public Socket Peer { get; } = peer;

        public Socket Ours { get; } = ours;

        public QuickAckNetworkStream Stream { get; } = new(ours, ownsSocket: true);

        public static async Task<Connection> OpenAsync()
        {
            Assert.SkipUnless(OperatingSystem.IsLinux(), "TCP_QUICKACK is a Linux socket option.");
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var peer = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await peer.ConnectAsync((IPEndPoint)listener.LocalEndpoint, Ct);
            return new Connection(peer, await listener.AcceptSocketAsync(Ct));
        }

        public async ValueTask DisposeAsync()
        {
            await Stream.DisposeAsync();
            Peer.Dispose();
        }
    }

    /// <summary>TCP_QUICKACK = 0: the kernel's delayed-ACK ("ping-pong") mode, which it also enters by itself.</summary>
    private static void DelayAcks(Socket socket)
    {
        socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, [0, 0, 0, 0]);
        Assert.False(AcknowledgesAtOnce(socket));
    }

    private static bool AcknowledgesAtOnce(Socket socket)
    {
        Span<byte> value = stackalloc byte[4];
        socket.GetRawSocketOption(IpProtoTcp, TcpQuickAck, value);
        return BitConverter.ToInt32(value) != 0;
    }

    private static async Task WaitUntilReadableAsync(Socket socket)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (socket.Available == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the peer's bytes never arrived");
            await Task.Delay(1, Ct);
        }
    }
}
