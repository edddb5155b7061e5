using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// Takes instances received by C-STORE. The storage SCP calls it for each C-STORE-RQ, the C-GET SCU
/// for each sub-operation. Returns the status of the C-STORE-RSP (PS3.4 B.2.3).
/// </summary>
public interface IDicomStoreProvider
{
    Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken);
}
