using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Network.Pdu;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>Our SCP facing rejected, limited, aborting and hostile peers: it refuses cleanly and stays up.</summary>
public sealed class ScpFailureTests
{
    private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnknownCallingAe_IsRejectedPermanentlyWithReason3()
    {
        await using var scp = TestScp.Start(o => o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["GOOD"] = DicomPermissions.All });

        var error = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "INTRUDER").EchoAsync(Ct));

        Assert.Equal(new AssociateReject(RejectResult.Permanent, RejectSource.ServiceUser, 3), error.Reject);
        Assert.Contains("calling AE title not recognized", error.Message);
        Assert.Equal(DimseStatus.Success, await Client(scp, "GOOD").EchoAsync(Ct));
    }

    [Fact]
    public async Task WrongCalledAe_IsRejectedWithReason7()
    {
        await using var scp = TestScp.Start();
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = "NOTTHEONE" });

        var error = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => client.EchoAsync(Ct));

        Assert.Equal(7, error.Reject.Reason);
    }

    [Fact]
    public async Task PerAePermissions_RejectTheContextsOfServicesNotGranted()
    {
        await using var scp = TestScp.Start(o => o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["ECHOONLY"] = DicomPermissions.Echo });
        await using var association = await Client(scp, "ECHOONLY").OpenAsync(
            [PresentationContextRequest.Verification(), new PresentationContextRequest(CtImageStorage, [DicomNetworkUids.ExplicitVrLittleEndian])], Ct);

        var storage = Assert.Single(association.Association.PresentationContexts, c => c.AbstractSyntax == CtImageStorage);
        Assert.Equal(PresentationContextResult.AbstractSyntaxNotSupported, storage.Result);
        Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        await association.ReleaseAsync(Ct);
    }

    [Fact]
    public async Task StoreRequest_OnTheVerificationContext_IsRefusedWith0122_AndNothingIsStored()
    {
        await using var scp = TestScp.Start(o => o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["ECHOONLY"] = DicomPermissions.Echo });
        await using var association = await DicomAssociation.ConnectAsync(
            "127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = "ECHOONLY" }, [PresentationContextRequest.Verification()], cancellationToken: Ct);
        var sneaky = new DimseCommand
        {
            CommandField = DimseCommandField.CStoreRequest,
            MessageId = 1,
            AffectedSopClassUid = DicomNetworkUids.Verification,
            AffectedSopInstanceUid = "1.2.3.4",
        };

        await association.SendMessageAsync(1, sneaky, new MemoryStream(new byte[1000]), Ct);
        var response = await association.ReceiveMessageAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Equal(DimseStatus.SopClassNotSupported, response!.Command.Status);
        Assert.Empty(scp.AllFiles);
        await association.ReleaseAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task AssociationLimit_RejectsTheExcessTransiently_AndRunningOnesCarryOn()
    {
        await using var scp = TestScp.Start(o => o.MaxAssociations = 1);
        await using var first = await Client(scp).OpenAsync([PresentationContextRequest.Verification()], Ct);

        var error = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp).EchoAsync(Ct));

        Assert.Equal(new AssociateReject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, 2), error.Reject);
        Assert.Equal(DimseStatus.Success, await first.EchoAsync(Ct));
        await first.ReleaseAsync(Ct);
        await WaitUntilAsync(() => scp.Server.ActiveAssociations == 0);
        Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
    }

    [Fact]
    public async Task PeerAbortsMidTransfer_PartialFileIsRemoved_AndScpStaysUp()
    {
        await using var scp = TestScp.Start();
        var association = await DicomAssociation.ConnectAsync(
            "127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle }, [new PresentationContextRequest(CtImageStorage, [DicomNetworkUids.ExplicitVrLittleEndian])], cancellationToken: Ct);
        var command = new DimseCommand
        {
            CommandField = DimseCommandField.CStoreRequest,
            MessageId = 1,
            AffectedSopClassUid = CtImageStorage,
            AffectedSopInstanceUid = "1.2.3.4",
        };
        var context = association.FindContext(CtImageStorage)!;

        // 1 MB of the data set go out, then the source fails: we abort in the middle of the message.
        await Assert.ThrowsAsync<DicomAssociationAbortedException>(() => association.SendMessageAsync(context.Id, command, new FailingStream(1 << 20), Ct));

        await WaitUntilAsync(() => scp.Server.ActiveAssociations == 0);
        Assert.Empty(scp.AllFiles);
        Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
    }

    [Fact]
    public async Task IdleAssociation_IsAbortedByTheScp()
    {
        await using var scp = TestScp.Start(o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        await using var association = await Client(scp).OpenAsync([PresentationContextRequest.Verification()], Ct);

        var error = await Assert.ThrowsAsync<DicomAssociationAbortedException>(() => association.Association.ReceiveMessageAsync(TimeSpan.FromSeconds(20), Ct));

        Assert.Equal(AbortSource.ServiceProvider, error.Abort?.Source);
        Assert.False(association.IsEstablished);
    }

    [Fact]
    public async Task ScuResponseTimeout_AbortsTheAssociation_WhichIsNeverReused()
    {
        // A listener that accepts the association and then never answers a message.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var silentPeer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            await using var stream = new NetworkStream(socket);
            using var request = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
            var rq = AssociateRequest.Read(request!.Body.Span);
            var writer = new PduWriter();
            new AssociateAccept
            {
                CalledAeTitle = rq.CalledAeTitle,
                CallingAeTitle = rq.CallingAeTitle,
                PresentationContexts = [new PresentationContextAnswer(1, PresentationContextResult.Acceptance, DicomNetworkUids.ImplicitVrLittleEndian)],
                UserInformation = new UserInformation { MaxPduLength = 16384 },
            }.Write(writer);
            await stream.WriteAsync(writer.WrittenMemory, Ct);
            using var echo = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
            using var abort = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
            using var more = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
            return (echo?.Type, abort?.Type, Closed: more is null);
        }, Ct);
        var client = new DicomClient("127.0.0.1", port, new AssociationOptions { ResponseTimeout = TimeSpan.FromMilliseconds(300) });
        await using var association = await client.OpenAsync([PresentationContextRequest.Verification()], Ct);

        await Assert.ThrowsAsync<DicomAssociationTimeoutException>(() => association.EchoAsync(Ct));

        Assert.False(association.IsEstablished);
        await Assert.ThrowsAsync<InvalidOperationException>(() => association.EchoAsync(Ct));
        var (request, abort, closed) = await silentPeer;
        Assert.Equal(PduType.DataTransfer, request);
        Assert.Equal(PduType.Abort, abort);
        Assert.True(closed);
    }

    public static TheoryData<string, string> HostileInputs => new()
    {
        { "HTTP request", Convert.ToHexString("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8) },
        { "A-ASSOCIATE-RQ claiming 4 GiB", "01 00 FFFFFFF0" + new string('0', 64) },
        { "A-ASSOCIATE-RQ truncated, then closed", "01 00 00000100 0001 0000" },
        { "A-ASSOCIATE-RQ with an item longer than the PDU", "01 00 0000004C 0001 0000" + Convert.ToHexString(PduBytes.Of(PduBytes.Ae("PORTALSCP"), PduBytes.Ae("X"))) + PduBytes.Zeros(32) + "10 00 7FFF 0000 0000" },
        { "P-DATA-TF before any association", "04 00 00000008 00000004 01 03 0000" },
        { "A-RELEASE-RQ with a wrong length", "05 00 00001000 00000000" },
    };

    [Theory]
    [MemberData(nameof(HostileInputs))]
    public async Task HostileBytes_BeforeAssociation_EndInAbortOrClose_AndScpStaysUp(string what, string hex)
    {
        await using var scp = TestScp.Start();

        var answer = await SendRawAsync(scp.Port, Convert.FromHexString(hex.Replace(" ", string.Empty)));

        Assert.True(answer.Length == 0 || answer[0] == (byte)PduType.Abort, $"{what}: answered {Convert.ToHexString(answer)}");
        Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
    }

    public static TheoryData<string, string> HostileDataPdus => new()
    {
        { "P-DATA-TF claiming 4 GiB", "04 00 FFFFFFFF 00000004 01 03" },
        { "P-DATA-TF above our maximum length", "04 00 01000000 00000004 01 03" },
        { "PDV longer than its PDU", "04 00 00000008 00001000 01 03 0000" },
        { "PDV on a context never negotiated", "04 00 00000008 00000004 09 03 0000" },
        { "command set outside group 0000", "04 00 00000012 0000000E 01 03 0800 0000 02000000 0000 0000" },
        { "A-ASSOCIATE-RQ on an established association", "01 00 00000004 00000000" },
        { "unknown PDU type", "09 00 00000004 00000000" },
    };

    [Theory]
    [MemberData(nameof(HostileDataPdus))]
    public async Task HostileBytes_OnAnEstablishedAssociation_EndInAbort_AndScpStaysUp(string what, string hex)
    {
        await using var scp = TestScp.Start();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, scp.Port, Ct);
        await using var stream = new NetworkStream(socket);
        var writer = new PduWriter();
        new AssociateRequest
        {
            CalledAeTitle = scp.AeTitle,
            CallingAeTitle = "HOSTILE",
            PresentationContexts = [new PresentationContextProposal(1, DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian])],
            UserInformation = new UserInformation { MaxPduLength = 16384 },
        }.Write(writer);
        await stream.WriteAsync(writer.WrittenMemory, Ct);
        using (var accept = await PduFrame.ReadAsync(stream, 1 << 20, Ct))
        {
            Assert.Equal(PduType.AssociateAccept, accept?.Type);
        }

        await stream.WriteAsync(Convert.FromHexString(hex.Replace(" ", string.Empty)), Ct);
        using var answer = await PduFrame.ReadAsync(stream, 1 << 20, Ct);

        Assert.True(answer is null || answer.Type == PduType.Abort, $"{what}: answered {answer?.Type}");
        await WaitUntilAsync(() => scp.Server.ActiveAssociations == 0);
        Assert.Equal(DimseStatus.Success, await Client(scp).EchoAsync(Ct));
    }

    [Fact]
    public async Task SilentConnection_IsClosedWhenArtimExpires()
    {
        await using var scp = TestScp.Start(o => o.AssociationTimeout = TimeSpan.FromMilliseconds(300));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, scp.Port, Ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));

        var read = await socket.ReceiveAsync(new byte[16], SocketFlags.None, deadline.Token);

        Assert.Equal(0, read);
    }

    private static DicomClient Client(TestScp scp, string callingAe = "TESTSCU") =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = callingAe });

    private static async Task<byte[]> SendRawAsync(int port, byte[] bytes)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
        await socket.SendAsync(bytes, SocketFlags.None, Ct);
        socket.Shutdown(SocketShutdown.Send);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        var answer = new MemoryStream();
        var buffer = new byte[1024];
        int read;
        try
        {
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
            {
                answer.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            // A reset after the abort is an acceptable end too.
        }

        return answer.ToArray();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Condition not met within 20 s.");
            await Task.Delay(20, Ct);
        }
    }

    /// <summary>Yields zeros, then fails: a data source that breaks mid-message.</summary>
    private sealed class FailingStream(int failAfter) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAfter)
            {
                throw new IOException("The source disk went away.");
            }

            var n = Math.Min(count, failAfter - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
