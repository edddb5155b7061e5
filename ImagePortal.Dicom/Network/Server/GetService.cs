using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// PS3.4 C.4.3 C-GET: the provider resolves the identifier, and each instance goes back as a C-STORE sub-operation
/// on the requestor's own association (<see cref="RetrieveSubOperations"/> runs them).
/// </summary>
internal sealed class GetService(IDicomGetProvider provider, TimeSpan storeResponseTimeout, DicomNetworkMetrics? metrics)
{
    /// <returns>The request that followed on the association, read while the sub-operations ran.</returns>
    public async Task<Task<DimseMessage?>> HandleAsync(ServedRequest served, CancellationToken stopping)
    {
        var request = await served.ReadQueryAsync(stopping).ConfigureAwait(false);
        using var watcher = served.Watch(stopping);
        await RetrieveSubOperations.RunAsync(
            served,
            watcher,
            "C-GET",
            ct => provider.ResolveAsync(request, ct),
            (instance, ct) => StoreOnSameAssociationAsync(served.Association, watcher, instance, ct),
            stopping).ConfigureAwait(false);
        return watcher.NextRequest;
    }

    private async Task<DimseStatus> StoreOnSameAssociationAsync(DicomAssociation association, RequestWatcher watcher, RetrieveInstance instance, CancellationToken cancellationToken)
    {
        // PS3.4 C.4.3.3.1 and PS3.7 D.3.3.4: a sub-operation goes only to a requestor that negotiated the
        // SCP role for the instance's SOP class; without it the sub-operation fails (it is not sent).
        if (!association.RequestorIsScp(instance.SopClassUid))
        {
            throw new InvalidOperationException($"The C-GET requestor did not negotiate the SCP role for {instance.SopClassUid}.");
        }

        var context = association.FindContext(instance.SopClassUid, instance.TransferSyntaxUid)
            ?? throw new InvalidOperationException($"No accepted context for {instance.SopClassUid} in {instance.TransferSyntaxUid}; the C-GET requestor must propose it with an SCP role.");
        var request = new DimseCommand
        {
            CommandField = DimseCommandField.CStoreRequest,
            MessageId = association.NextMessageId(),
            AffectedSopClassUid = instance.SopClassUid,
            AffectedSopInstanceUid = instance.SopInstanceUid,
            Priority = DimsePriority.Medium,
        };
        await using (var data = await instance.OpenDataSet(cancellationToken).ConfigureAwait(false))
        {
            await association.SendMessageAsync(context.Id, request, data, cancellationToken).ConfigureAwait(false);
        }

        metrics?.InstanceSent();
        while (true)
        {
            var response = await watcher.ReceiveStoreResponseAsync(storeResponseTimeout, CancellationToken.None).ConfigureAwait(false);
            if (response.MessageIdBeingRespondedTo == request.MessageId)
            {
                return response.Status;
            }
        }
    }
}
