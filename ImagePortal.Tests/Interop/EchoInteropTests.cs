using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

public sealed class EchoInteropTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EchoScu_AgainstDcmtkStoreScp_Succeeds()
    {
        await using var storescp = await DcmtkStoreScp.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", storescp.Port, new AssociationOptions { CalledAeTitle = storescp.AeTitle, CallingAeTitle = "PORTAL" });

        var status = await client.EchoAsync(Ct);

        Assert.Equal(DimseStatus.Success, status);
    }

    [Fact]
    public async Task EchoScu_AgainstOrthanc_Succeeds()
    {
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", orthanc.DicomPort, new AssociationOptions { CalledAeTitle = orthanc.AeTitle, CallingAeTitle = "PORTAL" });

        var status = await client.EchoAsync(Ct);

        Assert.Equal(DimseStatus.Success, status);
    }

    [Fact]
    public async Task EchoScu_ManyEchoesOnOneAssociation_ThenRelease()
    {
        await using var storescp = await DcmtkStoreScp.StartAsync(cancellationToken: Ct);
        var client = new DicomClient("127.0.0.1", storescp.Port, new AssociationOptions { CalledAeTitle = storescp.AeTitle });
        await using var association = await client.OpenAsync([PresentationContextRequest.Verification()], Ct);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(DimseStatus.Success, await association.EchoAsync(Ct));
        }

        await association.ReleaseAsync(Ct);
        Assert.False(association.IsEstablished);
    }

    [Fact]
    public async Task DcmtkEchoScu_AgainstOurScp_Succeeds()
    {
        await using var scp = TestScp.Start();

        var (exit, output) = await DcmtkTools.RunAsync("echoscu", ["-v", "-aet", "ECHOSCU", "-aec", scp.AeTitle, "127.0.0.1", scp.Port.ToString()], Ct);

        Assert.True(exit == 0, output);
        Assert.Contains("Received Echo Response (Success)", output);
        Assert.Contains("Releasing Association", output);
    }

    [Fact]
    public async Task DcmtkEchoScu_Succeeds_WhileSilentSocketsHoldAllButOneConnectionOfItsAddress()
    {
        // As many silent sockets as there are association slots: none of them may hold one.
        await using var scp = TestScp.Start(o => (o.MaxAssociations, o.MaxConnectionsPerAddress, o.AssociationTimeout) = (3, 4, TimeSpan.FromSeconds(30)));
        var silent = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < scp.Server.Options.MaxConnectionsPerAddress - 1; i++)
            {
                silent.Add(await Network.Server.ConnectionLimitTests.ConnectAsync(scp));
            }

            var (exit, output) = await DcmtkTools.RunAsync("echoscu", ["-v", "-aet", "ECHOSCU", "-aec", scp.AeTitle, "127.0.0.1", scp.Port.ToString()], Ct);

            Assert.True(exit == 0, output);
            Assert.Contains("Received Echo Response (Success)", output);
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task DcmtkEchoScu_WrongCalledAe_IsRejected()
    {
        await using var scp = TestScp.Start();

        var (exit, output) = await DcmtkTools.RunAsync("echoscu", ["-aet", "ECHOSCU", "-aec", "SOMEONEELSE", "127.0.0.1", scp.Port.ToString()], Ct);

        Assert.NotEqual(0, exit);
        Assert.Contains("Called AE Title Not Recognized", output);
    }
}
