using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// Starving the SCP without credentials: silent sockets and rejected associations left open by the peer must not hold
/// the association slots that real PACS need (PS3.8 9.1.5 and 9.2: ARTIM on a new connection and after A-ASSOCIATE-RJ).
/// </summary>
public sealed class ConnectionLimitTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SilentConnections_BeyondThePerAddressLimit_AreClosedAtOnce()
    {
        await using var scp = TestScp.Start(o => (o.MaxConnectionsPerAddress, o.AssociationTimeout) = (2, Long));
        using var first = await ConnectAsync(scp);
        using var second = await ConnectAsync(scp);
        using var third = await ConnectAsync(scp);

        var closedAfter = await TimeUntilClosedAsync(third, TimeSpan.FromSeconds(20));

        Assert.True(closedAfter < TimeSpan.FromSeconds(5), $"The connection over the limit stayed open {closedAfter}.");
        Assert.True(IsOpen(first) && IsOpen(second), "The connections within the limit were closed.");
    }

    [Fact]
    public async Task SilentConnections_TakeNoAssociationSlot()
    {
        await using var scp = TestScp.Start(o => (o.MaxAssociations, o.MaxConnectionsPerAddress, o.AssociationTimeout) = (1, 4, Long));
        var silent = new List<Socket>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silent.Add(await ConnectAsync(scp));
            }

            Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task PerAddressLimit_IsFreed_WhenArtimDropsTheSilentSockets()
    {
        await using var scp = TestScp.Start(o => (o.MaxConnectionsPerAddress, o.AssociationTimeout) = (2, TimeSpan.FromSeconds(1)));
        using var first = await ConnectAsync(scp);
        using var second = await ConnectAsync(scp);

        await Assert.ThrowsAnyAsync<Exception>(() => Client(scp).EchoAsync(Ct));
        await TimeUntilClosedAsync(first, TimeSpan.FromSeconds(20));
        await TimeUntilClosedAsync(second, TimeSpan.FromSeconds(20));
        await UntilAsync(() => scp.Server.OpenConnections == 0);

        Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
    }

    [Fact]
    public async Task RejectedAssociation_LeftOpenByThePeer_FreesItsSlotAtOnce_AndIsClosedSoon()
    {
        await using var scp = TestScp.Start(o =>
        {
            o.MaxAssociations = 1;
            o.AssociationTimeout = Long;
            o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["GOOD"] = DicomPermissions.All };
        });
        using var intruder = await ConnectAsync(scp);
        await using var stream = new NetworkStream(intruder, ownsSocket: false);
        await SendAssociateRequestAsync(stream, scp.AeTitle, "INTRUDER");
        using (var answer = await PduFrame.ReadAsync(stream, 1 << 20, Ct))
        {
            Assert.Equal(PduType.AssociateReject, answer?.Type);
        }

        Assert.Equal(DimseStatus.Success, await Client(scp, "GOOD").EchoAsync(Ct));
        var closedAfter = await TimeUntilClosedAsync(intruder, TimeSpan.FromSeconds(20));
        Assert.True(closedAfter < TimeSpan.FromSeconds(10), $"The rejected connection stayed open {closedAfter}.");
    }

    private static DicomClient Client(TestScp scp, string callingAe = "TESTSCU") =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = callingAe, AssociationTimeout = TimeSpan.FromSeconds(10) });

    internal static async Task<Socket> ConnectAsync(TestScp scp)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, scp.Port, Ct);
        // The server counts a connection once it has accepted it; give the accept loop a moment.
        await Task.Delay(100, Ct);
        return socket;
    }

    /// <summary>Waits until the server closes <paramref name="socket"/> (end of stream or reset) and says how long it took.</summary>
    internal static async Task<TimeSpan> TimeUntilClosedAsync(Socket socket, TimeSpan patience)
    {
        var started = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(patience);
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // A reset is a close too.
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            // Still open after all that patience: the caller's assertion on the time tells.
        }

        return Stopwatch.GetElapsedTime(started);
    }

    internal static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not met within 20 s.");
            await Task.Delay(20, Ct);
        }
    }

    private static bool IsOpen(Socket socket) => !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);

    private static async Task SendAssociateRequestAsync(Stream stream, string calledAe, string callingAe)
    {
        var writer = new PduWriter();
        new AssociateRequest
        {
            CalledAeTitle = calledAe,
            CallingAeTitle = callingAe,
            PresentationContexts = [new PresentationContextProposal(1, DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian])],
            UserInformation = new UserInformation { MaxPduLength = 16384 },
        }.Write(writer);
        await stream.WriteAsync(writer.WrittenMemory, Ct);
    }
}
