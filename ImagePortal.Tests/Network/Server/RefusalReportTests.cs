using System.Collections.Concurrent;
using System.Net;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>Every association or connection the SCP turns away is reported (for the security audit trail), with who asked and from where.</summary>
public sealed class RefusalReportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachRefusal_IsReported_WithTheAeTitlesAsSent_TheAddressAndTheReason()
    {
        var reports = new ConcurrentQueue<AssociationRefusal>();
        await using var scp = TestScp.Start(o =>
        {
            o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["GOOD"] = DicomPermissions.All };
            o.MaxAssociations = 1;
            o.MaxConnectionsPerAddress = 3;
            o.AssociationTimeout = TimeSpan.FromSeconds(30);
            o.OnAssociationRefused = reports.Enqueue;
        });

        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "INTRUDER").EchoAsync(Ct));
        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "GOOD", calledAe: "NOTTHEONE").EchoAsync(Ct));
        await using var running = await Client(scp, "GOOD").OpenAsync([PresentationContextRequest.Verification()], Ct);
        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "GOOD").EchoAsync(Ct));
        // The rejected connections are closed (each within its short ARTIM); only the running association is left.
        await ConnectionLimitTests.UntilAsync(() => scp.Server.OpenConnections == 1);
        using var silent = await ConnectionLimitTests.ConnectAsync(scp);
        using var oneTooMany = await ConnectionLimitTests.ConnectAsync(scp);
        using var third = await ConnectionLimitTests.ConnectAsync(scp);
        await ConnectionLimitTests.TimeUntilClosedAsync(third, TimeSpan.FromSeconds(20));

        Assert.Equal(
            [
                new AssociationRefusal(AssociationRefusalReason.CallingAeTitleNotRecognized, IPAddress.Loopback, "INTRUDER", scp.AeTitle),
                new AssociationRefusal(AssociationRefusalReason.CalledAeTitleNotRecognized, IPAddress.Loopback, "GOOD", "NOTTHEONE"),
                new AssociationRefusal(AssociationRefusalReason.TooManyAssociations, IPAddress.Loopback, "GOOD", scp.AeTitle),
                new AssociationRefusal(AssociationRefusalReason.TooManyConnectionsFromAddress, IPAddress.Loopback, null, null),
            ],
            reports.ToArray());
        Assert.Equal(DimseStatus.Success, await running.EchoAsync(Ct));
    }

    [Fact]
    public async Task ConnectionsBeyondTheServersBound_AreClosedAtOnce_AndReported()
    {
        var reports = new ConcurrentQueue<AssociationRefusal>();
        // One association slot: the server keeps at most five connections open (the slot's and four negotiating).
        await using var scp = TestScp.Start(o => (o.MaxAssociations, o.MaxConnectionsPerAddress, o.AssociationTimeout, o.OnAssociationRefused) =
            (1, 10, TimeSpan.FromSeconds(30), reports.Enqueue));
        var silent = new List<System.Net.Sockets.Socket>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                silent.Add(await ConnectionLimitTests.ConnectAsync(scp));
            }

            using var sixth = await ConnectionLimitTests.ConnectAsync(scp);
            var closedAfter = await ConnectionLimitTests.TimeUntilClosedAsync(sixth, TimeSpan.FromSeconds(20));

            Assert.True(closedAfter < TimeSpan.FromSeconds(5), $"The sixth connection stayed open {closedAfter}.");
            Assert.Equal([new AssociationRefusal(AssociationRefusalReason.TooManyConnections, IPAddress.Loopback, null, null)], reports.ToArray());
        }
        finally
        {
            silent.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task AHookThatThrows_DoesNotHurtTheServer()
    {
        await using var scp = TestScp.Start(o =>
        {
            o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["GOOD"] = DicomPermissions.All };
            o.OnAssociationRefused = _ => throw new InvalidOperationException("The audit is down.");
        });

        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "INTRUDER").EchoAsync(Ct));

        Assert.Equal(DimseStatus.Success, await Client(scp, "GOOD").EchoAsync(Ct));
    }

    private static DicomClient Client(TestScp scp, string callingAe, string? calledAe = null) =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = calledAe ?? scp.AeTitle, CallingAeTitle = callingAe });
}
