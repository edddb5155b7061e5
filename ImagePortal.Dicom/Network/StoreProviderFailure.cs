using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// What becomes of an exception thrown by an <see cref="IDicomStoreProvider"/>, for the storage SCP and the C-GET
/// requestor alike. One instance the provider could not take costs that instance's C-STORE (answered with a failure
/// status, as DCMTK's storescp does), never the association carrying the rest of a transfer; the exception ends the
/// association only when the association itself failed, or when the provider gave up because the token it was given
/// was cancelled (shutting down).
/// </summary>
internal static class StoreProviderFailure
{
    public static bool IsAnsweredWithAStatus(Exception error, DicomAssociation association, CancellationToken providerToken) =>
        association.IsEstablished
        && error is not (DicomAssociationException or DicomProtocolException)
        && !(error is OperationCanceledException && providerToken.IsCancellationRequested);

    /// <summary>
    /// PS3.4 B.2.3: A700 out of resources when storage failed (disk full, no access: worth a later retry); any other
    /// error is C000 "cannot understand", the C-STORE failure DCMTK's storescu names (it reports the general 0110
    /// processing failure of PS3.7 C.5.5 as an unknown status), its comment naming the error (cut to 64 characters).
    /// </summary>
    public static (DimseStatus Status, string Comment) Answer(Exception error) =>
        error is IOException or UnauthorizedAccessException or InvalidDataException
            ? (DimseStatus.RefusedOutOfResources, error.Message)
            : (DimseStatus.UnableToProcess, $"{error.GetType().Name}: {error.Message}");
}
