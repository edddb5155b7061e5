using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// PS3.7 9.1.1: serving one C-STORE-RQ, written once for both sides that receive instances: the storage SCP
/// (<c>DicomServer</c>, on an association it accepted) and the C-GET requestor (<c>DicomClientAssociation</c>, whose
/// peer sends the instances back as sub-operations on the association it requested). The data set is handed to an
/// <see cref="IDicomStoreProvider"/> as it arrives, then the C-STORE-RSP answers with the provider's status.
/// </summary>
internal static partial class CStoreReceiver
{
    public static async Task ReceiveAsync(
        DicomAssociation association,
        DimseMessage message,
        IDicomStoreProvider store,
        DicomNetworkMetrics? metrics,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        var request = message.Command;
        var status = DimseStatus.Success;
        string? comment = null;
        if (message.DataSet is null || string.IsNullOrEmpty(request.AffectedSopInstanceUid) || request.AffectedSopClassUid != message.PresentationContext.AbstractSyntax)
        {
            // PS3.4 B.2.3: A900 "data set does not match SOP class"; the command does not describe it.
            status = DimseStatus.IdentifierDoesNotMatchSopClass;
            comment = "Affected SOP Class/Instance UID missing or not matching the presentation context";
        }
        else if (association.IsRequestor && !association.RequestorMayReceive(request.AffectedSopClassUid!))
        {
            // PS3.7 D.3.3.4: as requestor we never offered, or the peer declined, the SCP role for this SOP class. (As
            // acceptor, the server's dispatch has already checked the caller's permission and role.)
            status = DimseStatus.SopClassNotSupported;
            comment = "The SCP role for this SOP class was not negotiated";
        }
        else
        {
            // The sender is the peer: the calling AE of an association we accepted, the called AE of one we requested.
            var sender = association.IsRequestor ? association.CalledAeTitle : association.CallingAeTitle;
            var receiver = association.IsRequestor ? association.CallingAeTitle : association.CalledAeTitle;
            var instance = new ReceivedInstance(
                request.AffectedSopClassUid!,
                request.AffectedSopInstanceUid!,
                message.PresentationContext.TransferSyntax,
                sender,
                receiver,
                message.DataSet);
            try
            {
                status = await store.StoreAsync(instance, cancellationToken).ConfigureAwait(false);
                metrics?.InstanceReceived();
                LogStored(logger, request.AffectedSopInstanceUid!, status.ToString());
            }
            catch (Exception error) when (StoreProviderFailure.IsAnsweredWithAStatus(error, association, cancellationToken))
            {
                (status, comment) = StoreProviderFailure.Answer(error);
                LogStoreFailed(logger, request.AffectedSopInstanceUid!, status.ToString(), error);
            }
        }

        await message.SkipDataSetAsync(cancellationToken).ConfigureAwait(false);
        var response = message.NewResponse(status, comment);
        response.AffectedSopInstanceUid = request.AffectedSopInstanceUid;
        await association.SendMessageAsync(message.PresentationContext.Id, response, null, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {SopInstanceUid}: {Status}")]
    private static partial void LogStored(ILogger logger, string sopInstanceUid, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {SopInstanceUid} failed, answered {Status}; the association goes on")]
    private static partial void LogStoreFailed(ILogger logger, string sopInstanceUid, string status, Exception error);
}
