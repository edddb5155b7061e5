using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A store provider with a bug: for one SOP Instance UID it reads part of the data set and throws an exception
/// nobody planned for; every other instance goes to <paramref name="inner"/>.
/// </summary>
public sealed class ThrowingStoreProvider(IDicomStoreProvider inner, string failingSopInstanceUid) : IDicomStoreProvider
{
    public const string Message = "simulated provider bug";

    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        if (instance.SopInstanceUid != failingSopInstanceUid)
        {
            return await inner.StoreAsync(instance, cancellationToken);
        }

        await instance.DataSet.ReadAtLeastAsync(new byte[64], 64, throwOnEndOfStream: false, cancellationToken);
        throw new InvalidOperationException(Message);
    }
}
