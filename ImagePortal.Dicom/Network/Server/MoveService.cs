using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// PS3.4 C.4.2 C-MOVE: the provider resolves the identifier and the destination AE title, and each instance goes as
/// a C-STORE sub-operation on a separate association to that destination (<see cref="RetrieveSubOperations"/> runs
/// them), opened at the first instance and released at the end.
/// </summary>
internal sealed class MoveService(IDicomMoveProvider provider, DicomServerOptions options, ILoggerFactory loggerFactory, DicomNetworkMetrics? metrics)
{
    /// <returns>The request that followed on the association, read while the sub-operations ran.</returns>
    public async Task<Task<DimseMessage?>> HandleAsync(ServedRequest served, CancellationToken stopping)
    {
        var request = await served.ReadQueryAsync(stopping).ConfigureAwait(false);
        using var watcher = served.Watch(stopping);
        var destinationAe = served.Message.Command.MoveDestination ?? string.Empty;
        var destination = AeTitleSyntax.IsValid(destinationAe) ? provider.ResolveDestination(destinationAe) : null;
        if (destination is null)
        {
            // PS3.4 C.4.2.1.5: A801 refused, move destination unknown.
            await served.RespondAsync(DimseStatus.MoveDestinationUnknown, stopping, $"Unknown move destination '{destinationAe}'").ConfigureAwait(false);
            return watcher.NextRequest;
        }

        DicomClientAssociation? target = null;
        IReadOnlyList<RetrieveInstance> resolved = [];
        try
        {
            await RetrieveSubOperations.RunAsync(
                served,
                watcher,
                "C-MOVE",
                async ct => resolved = await provider.ResolveAsync(request, ct).ConfigureAwait(false),
                async (instance, ct) =>
                {
                    target ??= await OpenMoveAssociationAsync(destination, resolved, ct).ConfigureAwait(false);
                    await using var data = await instance.OpenDataSet(ct).ConfigureAwait(false);
                    var response = await target.StoreAsync(instance.SopClassUid, instance.SopInstanceUid, instance.TransferSyntaxUid, data, served.Association.CallingAeTitle, served.Message.Command.MessageId, ct).ConfigureAwait(false);
                    return response.Status;
                },
                stopping).ConfigureAwait(false);
        }
        finally
        {
            if (target is not null)
            {
                try
                {
                    await target.ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception error) when (error is DicomAssociationException or DicomProtocolException or IOException)
                {
                }

                await target.DisposeAsync().ConfigureAwait(false);
            }
        }

        return watcher.NextRequest;
    }

    /// <summary>PS3.4 C.4.2.2: C-MOVE sub-operations run on a separate association, one context per SOP class and transfer syntax.</summary>
    private async Task<DicomClientAssociation> OpenMoveAssociationAsync(DicomDestination destination, IReadOnlyList<RetrieveInstance> instances, CancellationToken cancellationToken)
    {
        var contexts = instances
            .Select(i => (i.SopClassUid, i.TransferSyntaxUid))
            .Distinct()
            .Take(128)
            .Select(c => new PresentationContextRequest(c.SopClassUid, [c.TransferSyntaxUid]))
            .ToList();
        var association = new AssociationOptions
        {
            CallingAeTitle = options.AeTitle,
            CalledAeTitle = destination.AeTitle,
            MaxPduLength = options.MaxPduLength,
            ConnectTimeout = options.MoveAssociation.ConnectTimeout,
            AssociationTimeout = options.MoveAssociation.AssociationTimeout,
            ResponseTimeout = options.MoveAssociation.ResponseTimeout,
            Tls = options.MoveAssociation.Tls,
        };
        var client = new DicomClient(destination.Host, destination.Port, association, loggerFactory, metrics);
        return await client.OpenAsync(contexts, cancellationToken).ConfigureAwait(false);
    }
}
