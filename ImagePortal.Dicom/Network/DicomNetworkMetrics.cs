using System.Diagnostics.Metrics;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// Counters of the DICOM network layer (System.Diagnostics.Metrics, meter "ImagePortal.Dicom.Network"):
/// associations by role and outcome, instances stored, bytes over the wire. One instance per application (the portal
/// registers it in DI on the host's <see cref="IMeterFactory"/>), handed to each <c>DicomClient</c> and
/// <c>DicomServer</c>; a client or server given none counts nothing, as nobody listens there (the CLI, tests).
/// </summary>
public sealed class DicomNetworkMetrics
{
    public const string MeterName = "ImagePortal.Dicom.Network";

    private readonly Counter<long> _associations;
    private readonly Counter<long> _aborted;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _instancesReceived;
    private readonly Counter<long> _instancesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;

    public DicomNetworkMetrics(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _associations = meter.CreateCounter<long>("dicom.associations", description: "Associations established");
        _aborted = meter.CreateCounter<long>("dicom.associations.aborted", description: "Associations aborted by either side");
        _rejected = meter.CreateCounter<long>("dicom.associations.rejected", description: "Association requests rejected");
        _instancesReceived = meter.CreateCounter<long>("dicom.instances.received", description: "Instances received by C-STORE");
        _instancesSent = meter.CreateCounter<long>("dicom.instances.sent", description: "Instances sent by C-STORE");
        _bytesReceived = meter.CreateCounter<long>("dicom.bytes.received", unit: "By", description: "P-DATA-TF bytes received");
        _bytesSent = meter.CreateCounter<long>("dicom.bytes.sent", unit: "By", description: "Data set bytes sent");
    }

    internal void AssociationEstablished(bool requestor) =>
        _associations.Add(1, new KeyValuePair<string, object?>("role", requestor ? "requestor" : "acceptor"));

    internal void AssociationAborted() => _aborted.Add(1);

    internal void AssociationRejected() => _rejected.Add(1);

    internal void InstanceReceived() => _instancesReceived.Add(1);

    internal void InstanceSent() => _instancesSent.Add(1);

    internal void BytesReceived(long count) => _bytesReceived.Add(count);

    internal void BytesSent(long count) => _bytesSent.Add(count);
}
