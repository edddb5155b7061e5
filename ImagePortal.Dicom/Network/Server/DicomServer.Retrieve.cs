using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>C-GET and C-MOVE: the sub-operation engine that sends a retrieve's instances on the same association or to a move destination.</summary>
public sealed partial class DicomServer
{
    /// <summary>The largest even value length of explicit VR's 16-bit length field (PS3.5 7.1.2).</summary>
    private const int MaxExplicitUidListLength = 0xFFFE;

    private async Task<Task<DimseMessage?>> HandleGetAsync(DicomAssociation association, DimseMessage message, DicomRequestContext caller, ILogger logger, CancellationToken stopping)
    {
        var identifier = await ReadIdentifierAsync(message, stopping).ConfigureAwait(false);
        using var watcher = new RequestWatcher(association, message.Command.MessageId, stopping);
        var request = new QueryRequest(caller, message.PresentationContext.AbstractSyntax, message.PresentationContext.TransferSyntax, identifier);
        await RunRetrieveAsync(association, message, watcher, logger, "C-GET", ct => Get!.ResolveAsync(request, ct), (instance, ct) => StoreOnSameAssociationAsync(association, watcher, instance, ct), stopping).ConfigureAwait(false);
        return watcher.NextRequest;
    }

    private async Task<Task<DimseMessage?>> HandleMoveAsync(DicomAssociation association, DimseMessage message, DicomRequestContext caller, ILogger logger, CancellationToken stopping)
    {
        var identifier = await ReadIdentifierAsync(message, stopping).ConfigureAwait(false);
        using var watcher = new RequestWatcher(association, message.Command.MessageId, stopping);
        var destinationAe = message.Command.MoveDestination ?? string.Empty;
        var destination = AeTitleSyntax.IsValid(destinationAe) ? Move!.ResolveDestination(destinationAe) : null;
        if (destination is null)
        {
            // PS3.4 C.4.2.1.5: A801 refused, move destination unknown.
            await association.SendMessageAsync(message.PresentationContext.Id, NewResponse(message, DimseStatus.MoveDestinationUnknown, $"Unknown move destination '{destinationAe}'"), null, stopping).ConfigureAwait(false);
            return watcher.NextRequest;
        }

        var request = new QueryRequest(caller, message.PresentationContext.AbstractSyntax, message.PresentationContext.TransferSyntax, identifier);
        Client.DicomClientAssociation? target = null;
        IReadOnlyList<RetrieveInstance> resolved = [];
        try
        {
            await RunRetrieveAsync(
                association,
                message,
                watcher,
                logger,
                "C-MOVE",
                async ct => resolved = await Move!.ResolveAsync(request, ct).ConfigureAwait(false),
                async (instance, ct) =>
                {
                    target ??= await OpenMoveAssociationAsync(destination, resolved, ct).ConfigureAwait(false);
                    await using var data = await instance.OpenDataSet(ct).ConfigureAwait(false);
                    var response = await target.StoreAsync(instance.SopClassUid, instance.SopInstanceUid, instance.TransferSyntaxUid, data, association.CallingAeTitle, message.Command.MessageId, ct).ConfigureAwait(false);
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
    private async Task<Client.DicomClientAssociation> OpenMoveAssociationAsync(DicomDestination destination, IReadOnlyList<RetrieveInstance> instances, CancellationToken cancellationToken)
    {
        var contexts = instances
            .Select(i => (i.SopClassUid, i.TransferSyntaxUid))
            .Distinct()
            .Take(128)
            .Select(c => new PresentationContextRequest(c.SopClassUid, [c.TransferSyntaxUid]))
            .ToList();
        var options = new AssociationOptions
        {
            CallingAeTitle = _options.AeTitle,
            CalledAeTitle = destination.AeTitle,
            MaxPduLength = _options.MaxPduLength,
            ConnectTimeout = _options.MoveAssociation.ConnectTimeout,
            AssociationTimeout = _options.MoveAssociation.AssociationTimeout,
            ResponseTimeout = _options.MoveAssociation.ResponseTimeout,
            Tls = _options.MoveAssociation.Tls,
        };
        var client = new Client.DicomClient(destination.Host, destination.Port, options, _loggerFactory, _metrics);
        return await client.OpenAsync(contexts, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The shared body of C-GET and C-MOVE (PS3.4 C.4.2.3, C.4.3.3): resolve, run one sub-operation per
    /// instance with a pending response after each, stop at C-CANCEL, and finish with the counters.
    /// </summary>
    private async Task RunRetrieveAsync(
        DicomAssociation association,
        DimseMessage message,
        RequestWatcher watcher,
        ILogger logger,
        string operation,
        Func<CancellationToken, Task<IReadOnlyList<RetrieveInstance>>> resolve,
        Func<RetrieveInstance, CancellationToken, Task<DimseStatus>> send,
        CancellationToken stopping)
    {
        IReadOnlyList<RetrieveInstance> instances;
        try
        {
            instances = await resolve(watcher.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not (DicomAssociationException or OperationCanceledException))
        {
            LogProviderFailed(logger, operation, error.Message);
            await association.SendMessageAsync(message.PresentationContext.Id, NewResponse(message, DimseStatus.UnableToProcess, error.Message), null, stopping).ConfigureAwait(false);
            return;
        }

        ushort completed = 0, failed = 0, warning = 0;
        var remaining = instances.Count;
        string? lastError = null;
        var failedUids = new List<string>();
        foreach (var instance in instances)
        {
            if (watcher.Token.IsCancellationRequested)
            {
                break;
            }

            DimseStatus result;
            try
            {
                result = await send(instance, watcher.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (watcher.Token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error) when (error is InvalidOperationException or IOException or SocketException or DicomAssociationException or DicomProtocolException or UnauthorizedAccessException && association.IsEstablished)
            {
                // PS3.4 C.4.3.3.1: a sub-operation that cannot run (no context, destination gone,
                // file missing) counts as failed; the retrieve goes on.
                result = DimseStatus.UnableToProcess;
                lastError = error.Message;
            }

            remaining--;
            switch (result.Class)
            {
                case DimseStatusClass.Success:
                    completed++;
                    break;
                case DimseStatusClass.Warning:
                    warning++;
                    break;
                default:
                    failed++;
                    failedUids.Add(instance.SopInstanceUid);
                    break;
            }

            if (remaining > 0 && association.IsEstablished)
            {
                var pending = NewResponse(message, DimseStatus.Pending);
                SetCounters(pending, (ushort)remaining, completed, failed, warning);
                await association.SendMessageAsync(message.PresentationContext.Id, pending, null, stopping).ConfigureAwait(false);
            }
        }

        if (!association.IsEstablished)
        {
            return;
        }

        DimseStatus final;
        if (watcher.CancelRequested)
        {
            final = DimseStatus.Cancel;
        }
        else if (failed > 0 || warning > 0)
        {
            // PS3.4 C.4.3.1.3.1: B000 when some sub-operations failed; A702 when all of them did.
            final = completed == 0 && warning == 0 ? DimseStatus.RetrieveOutOfResourcesSubOperations : DimseStatus.SubOperationsCompleteWithFailures;
        }
        else
        {
            final = DimseStatus.Success;
        }

        var response = NewResponse(message, final, failed > 0 ? lastError : null);
        // PS3.4 C.4.3.1.3.2: the final response carries no remaining count, except after a cancel.
        SetCounters(response, final == DimseStatus.Cancel ? (ushort)remaining : null, completed, failed, warning);
        using (var identifier = FailedInstancesIdentifier(message, final, failedUids, logger))
        {
            await association.SendMessageAsync(message.PresentationContext.Id, response, identifier, stopping).ConfigureAwait(false);
        }

        LogRetrieve(logger, operation, completed, failed, warning, final.ToString());
    }

    /// <summary>
    /// PS3.4 C.4.2.1.3.1 / C.4.3.1.3.1: a final C-MOVE or C-GET response with status cancel, warning or
    /// failure carries an identifier with the Failed SOP Instance UID List (0008,0058), in the request's
    /// transfer syntax; success and pending responses carry none. In explicit VR the list is one UI value
    /// with a 16-bit length, so a list beyond 64 KiB is cut there (the failed counter still tells the total).
    /// </summary>
    private static MemoryStream? FailedInstancesIdentifier(DimseMessage message, DimseStatus final, IReadOnlyList<string> failedUids, ILogger logger)
    {
        if (final.Class is DimseStatusClass.Success or DimseStatusClass.Pending)
        {
            return null;
        }

        var syntax = DicomTransferSyntax.Lookup(message.PresentationContext.TransferSyntax);
        var listed = failedUids;
        if (syntax.IsExplicitVR)
        {
            var length = 0;
            var fitting = 0;
            while (fitting < failedUids.Count && length + failedUids[fitting].Length + 1 <= MaxExplicitUidListLength)
            {
                length += failedUids[fitting].Length + 1;
                fitting++;
            }

            if (fitting < failedUids.Count)
            {
                LogFailedListCut(logger, failedUids.Count, fitting);
                listed = failedUids.Take(fitting).ToList();
            }
        }

        var identifier = new DicomDataset();
        identifier.SetStrings(DicomTag.FailedSOPInstanceUIDList, [.. listed]);
        return new MemoryStream(DimseDataSet.Encode(identifier, syntax), writable: false);
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

        _metrics?.InstanceSent();
        while (true)
        {
            var response = await watcher.ReceiveStoreResponseAsync(_options.MoveAssociation.ResponseTimeout, CancellationToken.None).ConfigureAwait(false);
            if (response.MessageIdBeingRespondedTo == request.MessageId)
            {
                return response.Status;
            }
        }
    }

    private static void SetCounters(DimseCommand command, ushort? remaining, ushort completed, ushort failed, ushort warning)
    {
        command.RemainingSuboperations = remaining;
        command.CompletedSuboperations = completed;
        command.FailedSuboperations = failed;
        command.WarningSuboperations = warning;
    }
}
