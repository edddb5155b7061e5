namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// PS3.4 B.2 C-STORE as storage SCP: each instance goes to the provider as it arrives. The receive path itself is
/// <see cref="CStoreReceiver"/>, shared with the C-GET requestor.
/// </summary>
internal sealed class StoreService(IDicomStoreProvider provider, DicomNetworkMetrics? metrics)
{
    public Task HandleAsync(ServedRequest request, CancellationToken stopping) =>
        CStoreReceiver.ReceiveAsync(request.Association, request.Message, provider, metrics, request.Logger, stopping);
}
