using System.Diagnostics.Metrics;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support.Peers;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Network.Association;

/// <summary>
/// The DICOM counters are an instance handed to each client and server (the portal's comes from DI), not a
/// process-wide static: what a client does is counted on the metrics it was given, which a listener tells apart from
/// every other client's by their meter's scope, so parallel tests do not count into each other.
/// </summary>
public sealed class NetworkMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnEcho_IsCountedOnTheMetricsTheClientWasGiven()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        long associations = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name == "dicom.associations")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref associations, value));
        listener.Start();
        await using var scp = TestScp.Start();
        var client = new DicomClient("127.0.0.1", scp.Port, new AssociationOptions { CalledAeTitle = scp.AeTitle }, metrics: new DicomNetworkMetrics(factory));

        Assert.Equal(DimseStatus.Success, await client.EchoAsync(Ct));

        Assert.Equal(1, Interlocked.Read(ref associations));
    }
}
