using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Tests.Network.Association;

public sealed class ReleaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReleaseFromBothSidesAtOnce_CompletesOnBoth()
    {
        // PS3.8 9.2.3: when both send A-RELEASE-RQ the requestor answers first (Sta9), the acceptor
        // after receiving the requestor's RP (Sta10, Sta12); neither side hangs or aborts.
        for (var round = 0; round < 10; round++)
        {
            var (requestor, acceptor) = await PairAsync();

            await Task.WhenAll(
                requestor.ReleaseAsync(TimeSpan.FromSeconds(10), Ct),
                acceptor.ReleaseAsync(TimeSpan.FromSeconds(10), Ct));

            Assert.False(requestor.IsEstablished);
            Assert.False(acceptor.IsEstablished);
        }
    }

    [Fact]
    public async Task ReleaseByRequestor_IsAnsweredByTheAcceptorsReceiveLoop()
    {
        var (requestor, acceptor) = await PairAsync();
        var receive = acceptor.ReceiveMessageAsync(TimeSpan.FromSeconds(10), Ct);

        await requestor.ReleaseAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.Null(await receive);
        Assert.False(acceptor.IsEstablished);
    }

    private static async Task<(DicomAssociation Requestor, DicomAssociation Acceptor)> PairAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = Task.Run(async () =>
        {
            var socket = await listener.AcceptSocketAsync(Ct);
            return await DicomAssociation.AcceptAsync(
                socket,
                new NetworkStream(socket, ownsSocket: true),
                16384,
                TimeSpan.FromSeconds(10),
                request => AssociationDecision.Accepted(DicomAssociation.AnswerProposals(request, _ => [DicomNetworkUids.ImplicitVrLittleEndian]), []),
                cancellationToken: Ct);
        }, Ct);
        var requestor = await DicomAssociation.ConnectAsync("127.0.0.1", port, new AssociationOptions { CalledAeTitle = "ACCEPTOR" }, [PresentationContextRequest.Verification()], cancellationToken: Ct);
        var acceptor = await accepting;
        Assert.NotNull(acceptor);
        Assert.Equal(PresentationContextResult.Acceptance, Assert.Single(acceptor.PresentationContexts).Result);
        return (requestor, acceptor);
    }
}
