using System.Collections.Concurrent;
using System.Net;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Network.Server;

/// <summary>
/// <see cref="DicomServerOptions.VerifyCaller"/>: a caller the allow-list admits is checked against where it came from
/// and how, refused with A-ASSOCIATE-RJ reason 3 and reported. 127.0.0.2 is loopback on Linux too, so a client can call
/// from it (<see cref="AssociationOptions.LocalAddress"/>) and the server tell the two apart.
/// </summary>
public sealed class CallerVerificationTests
{
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheCheck_SeesTheAddressTheClientCalledFrom()
    {
        var seen = new ConcurrentQueue<AssociationCaller>();
        await using var scp = TestScp.Start(o => o.VerifyCaller = caller =>
        {
            seen.Enqueue(caller);
            return null;
        });

        Assert.Equal(DimseStatus.Success, await Client(scp, "NODE_A", from: Second).EchoAsync(Ct));
        Assert.Equal(DimseStatus.Success, await Client(scp, "NODE_A").EchoAsync(Ct));

        Assert.Equal(
            [new AssociationCaller("NODE_A", Second, false, null), new AssociationCaller("NODE_A", IPAddress.Loopback, false, null)],
            seen.ToArray());
    }

    [Fact]
    public async Task ARefusedCaller_GetsCallingAeNotRecognized_AndIsReportedWithTheDetail()
    {
        var reports = new ConcurrentQueue<AssociationRefusal>();
        await using var scp = TestScp.Start(o =>
        {
            o.OnAssociationRefused = reports.Enqueue;
            o.VerifyCaller = caller => PeerAddress.SameHost(caller.RemoteAddress, Second)
                ? null
                : new CallerRefusal(AssociationRefusalReason.CallingAddressNotExpected, "expected from 127.0.0.2");
        });

        var rejected = await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "NODE_A").EchoAsync(Ct));
        Assert.Equal(DimseStatus.Success, await Client(scp, "NODE_A", from: Second).EchoAsync(Ct));

        Assert.Equal((RejectResult.Permanent, RejectSource.ServiceUser, (byte)RejectReason.CallingAeTitleNotRecognized),
            (rejected.Reject.Result, rejected.Reject.Source, rejected.Reject.Reason));
        Assert.Equal(
            [new AssociationRefusal(AssociationRefusalReason.CallingAddressNotExpected, IPAddress.Loopback, "NODE_A", scp.AeTitle, "expected from 127.0.0.2")],
            reports.ToArray());
        // A refused caller takes no association slot.
        await ConnectionLimitTests.UntilAsync(() => scp.Server.ActiveAssociations == 0);
    }

    [Fact]
    public async Task ACheckThatThrows_RefusesTheCaller_AndTheServerGoesOn()
    {
        var reports = new ConcurrentQueue<AssociationRefusal>();
        var calls = 0;
        await using var scp = TestScp.Start(o =>
        {
            o.OnAssociationRefused = reports.Enqueue;
            o.VerifyCaller = _ => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("The node list is gone.") : null;
        });

        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "NODE_A").EchoAsync(Ct));

        Assert.Equal(DimseStatus.Success, await Client(scp, "NODE_A").EchoAsync(Ct));
        var report = Assert.Single(reports);
        Assert.Equal(AssociationRefusalReason.CallingAeTitleNotRecognized, report.Reason);
        Assert.Equal("the caller could not be checked", report.Detail);
    }

    [Fact]
    public async Task TheAllowList_DecidesFirst_SoAnUnknownAeIsNeverCheckedFurther()
    {
        var checkedAes = new ConcurrentQueue<string>();
        await using var scp = TestScp.Start(o =>
        {
            o.AllowedCallingAeTitles = new Dictionary<string, DicomPermissions> { ["NODE_A"] = DicomPermissions.All };
            o.VerifyCaller = caller =>
            {
                checkedAes.Enqueue(caller.CallingAeTitle);
                return null;
            };
        });

        await Assert.ThrowsAsync<DicomAssociationRejectedException>(() => Client(scp, "INTRUDER").EchoAsync(Ct));
        Assert.Equal(DimseStatus.Success, await Client(scp, "NODE_A").EchoAsync(Ct));

        Assert.Equal(["NODE_A"], checkedAes.ToArray());
    }

    private static DicomClient Client(TestScp scp, string callingAe, IPAddress? from = null) =>
        new("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle, CallingAeTitle = callingAe, LocalAddress = from });
}
