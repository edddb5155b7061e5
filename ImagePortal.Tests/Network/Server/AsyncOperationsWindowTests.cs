using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// PS3.7 D.3.3.3: we run one operation at a time each way. A requestor proposing a larger asynchronous
/// operations window is answered 1/1 explicitly; our own requestor proposes none (the default, 1/1).
/// </summary>
public sealed class AsyncOperationsWindowTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(5, 5)]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    public async Task ProposedWindow_IsAnsweredOneByOne(ushort invoked, ushort performed)
    {
        await using var scp = TestScp.Start();

        var accept = await AssociateRawAsync(scp, new AsyncOperationsWindow(invoked, performed));

        Assert.Equal(new AsyncOperationsWindow(1, 1), accept.UserInformation.AsyncOperationsWindow);
    }

    [Fact]
    public async Task NoWindowProposed_NoneIsAnswered()
    {
        await using var scp = TestScp.Start();

        var accept = await AssociateRawAsync(scp, window: null);

        Assert.Null(accept.UserInformation.AsyncOperationsWindow);
    }

    [Fact]
    public async Task OurRequestor_ProposesNoWindow_AndRunsOneOperationAtATime()
    {
        await using var scp = TestScp.Start();
        await using var association = await new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle })
            .OpenAsync([PresentationContextRequest.Verification()], Ct);

        Assert.Null(association.Association.Request.UserInformation.AsyncOperationsWindow);
        Assert.Null(association.Association.Accept.UserInformation.AsyncOperationsWindow);
        // Two echoes started together are serialised on the association, and both succeed.
        var statuses = await Task.WhenAll(association.EchoAsync(Ct), association.EchoAsync(Ct));
        Assert.All(statuses, s => Assert.Equal(DimseStatus.Success, s));
        await association.ReleaseAsync(Ct);
    }

    private static async Task<AssociateAccept> AssociateRawAsync(TestScp scp, AsyncOperationsWindow? window)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, scp.Port, Ct);
        await using var stream = new NetworkStream(socket);
        var writer = new PduWriter();
        new AssociateRequest
        {
            CalledAeTitle = scp.AeTitle,
            CallingAeTitle = "WINDOW",
            PresentationContexts = [new PresentationContextProposal(1, DicomNetworkUids.Verification, [DicomNetworkUids.ImplicitVrLittleEndian])],
            UserInformation = new UserInformation { MaxPduLength = 16384, AsyncOperationsWindow = window },
        }.Write(writer);
        await stream.WriteAsync(writer.WrittenMemory, Ct);
        using var frame = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
        Assert.Equal(PduType.AssociateAccept, frame?.Type);
        var accept = AssociateAccept.Read(frame!.Body.Span);
        await stream.WriteAsync(new byte[] { 0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0 }, Ct);
        return accept;
    }
}
