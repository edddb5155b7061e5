using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Tests.Network.Association;

/// <summary>Each side's maximum PDU length honoured in the right direction (PS3.8 D.1), messages never interleaved.</summary>
public sealed class FragmentationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(4096u)]
    [InlineData(16384u)]
    [InlineData(0u)]
    public async Task SentPdus_FitThePeersAnnouncedMaximum(uint peerMax)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync(Ct);
            await using var stream = new NetworkStream(socket);
            using var rq = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
            var request = AssociateRequest.Read(rq!.Body.Span);
            var writer = new PduWriter();
            new AssociateAccept
            {
                CalledAeTitle = request.CalledAeTitle,
                CallingAeTitle = request.CallingAeTitle,
                PresentationContexts = [new PresentationContextAnswer(1, PresentationContextResult.Acceptance, DicomNetworkUids.ExplicitVrLittleEndian)],
                UserInformation = new UserInformation { MaxPduLength = peerMax },
            }.Write(writer);
            await stream.WriteAsync(writer.WrittenMemory, Ct);
            var lengths = new List<int>();
            var data = new MemoryStream();
            while (true)
            {
                using var frame = await PduFrame.ReadAsync(stream, 1 << 20, Ct);
                if (frame is null || frame.Type != PduType.DataTransfer)
                {
                    return (lengths, data.ToArray(), request.UserInformation.MaxPduLength);
                }

                lengths.Add(frame.Length);
                foreach (var pdv in PDataTf.Read(frame.Body))
                {
                    if (!pdv.IsCommand)
                    {
                        data.Write(pdv.Data.Span);
                    }
                }
            }
        }, Ct);
        var options = new AssociationOptions { CalledAeTitle = "PEER", MaxPduLength = 32768 };
        var association = await DicomAssociation.ConnectAsync("127.0.0.1", port, options, [new PresentationContextRequest("1.2.840.10008.5.1.4.1.1.7", [DicomNetworkUids.ExplicitVrLittleEndian])], cancellationToken: Ct);
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();

        await association.SendMessageAsync(1, new DimseCommand { CommandField = DimseCommandField.CStoreRequest, MessageId = 1, AffectedSopClassUid = "1.2.840.10008.5.1.4.1.1.7", AffectedSopInstanceUid = "1.2.3" }, new MemoryStream(payload), Ct);
        await association.AbortAsync();

        var (lengths, received, announced) = await peer;
        Assert.Equal(32768u, announced);
        Assert.Equal(payload, received);
        var limit = peerMax == 0 ? (int)options.MaxPduLength : (int)peerMax;
        Assert.All(lengths, length => Assert.InRange(length, 6, limit));
        Assert.Contains(lengths, length => length == limit);
    }
}
