using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// Serves one established association, as fo-dicom's per-association <c>DicomService</c> does: receives its requests
/// one at a time (asynchronous operations window 1), refuses those the caller may not send on their context, and
/// hands each other one to the service of its command until the peer releases or the association idles out.
/// </summary>
internal sealed class AssociationService(
    DicomAssociation association,
    DicomPermissions permissions,
    AssociationPolicy policy,
    DimseServices services,
    TimeSpan idleTimeout,
    ILogger logger)
{
    public async Task RunAsync(CancellationToken stopping)
    {
        var caller = new DicomRequestContext(association.CallingAeTitle, association.CalledAeTitle, association.RemoteEndPoint);
        Task<DimseMessage?>? next = null;
        // The watcher of the last operation may already be answering an A-RELEASE-RQ (the association is no
        // longer established then): wait for it, or disposing the association closes the transport before
        // the peer has read our A-RELEASE-RP (DCMTK then reports an aborted association).
        while (association.IsEstablished || next is not null)
        {
            DimseMessage? message;
            if (next is null)
            {
                message = await association.ReceiveMessageAsync(idleTimeout, stopping).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    message = await next.WaitAsync(idleTimeout, stopping).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await association.AbortAsync(AbortSource.ServiceProvider, AbortReason.NotSpecified).ConfigureAwait(false);
                    throw new DicomAssociationTimeoutException($"Idle for {idleTimeout}; association aborted.");
                }

                next = null;
            }

            if (message is null)
            {
                return;
            }

            next = await DispatchAsync(new ServedRequest(association, message, caller, logger), stopping).ConfigureAwait(false);
        }
    }

    /// <returns>The request that followed, when the service had to read on while answering (C-FIND, C-GET, C-MOVE).</returns>
    private async Task<Task<DimseMessage?>?> DispatchAsync(ServedRequest request, CancellationToken stopping)
    {
        var message = request.Message;
        var command = message.Command;
        var abstractSyntax = message.PresentationContext.AbstractSyntax;
        if (command.IsRequest && command.CommandField != DimseCommandField.CCancelRequest
            && (!policy.IsAllowedOn(command.CommandField, abstractSyntax, permissions) || !association.RequestorIsScu(abstractSyntax)))
        {
            // The context was negotiated for another service (say Verification), or the caller may
            // not use this one: PS3.7 C.5.4 (0122) refused, SOP class not supported.
            await message.SkipDataSetAsync(stopping).ConfigureAwait(false);
            await request.RespondAsync(DimseStatus.SopClassNotSupported, stopping, $"{command.CommandField} is not allowed on {abstractSyntax}").ConfigureAwait(false);
            return null;
        }

        switch (command.CommandField)
        {
            case DimseCommandField.CEchoRequest:
                await services.Echo.HandleAsync(request, stopping).ConfigureAwait(false);
                return null;
            case DimseCommandField.CStoreRequest when services.Store is { } store:
                await store.HandleAsync(request, stopping).ConfigureAwait(false);
                return null;
            case DimseCommandField.CFindRequest when services.Find is { } find:
                return await find.HandleAsync(request, stopping).ConfigureAwait(false);
            case DimseCommandField.CGetRequest when services.Get is { } get:
                return await get.HandleAsync(request, stopping).ConfigureAwait(false);
            case DimseCommandField.CMoveRequest when services.Move is { } move:
                return await move.HandleAsync(request, stopping).ConfigureAwait(false);
            case DimseCommandField.CCancelRequest:
                // PS3.7 9.3.2.3: a C-CANCEL for an operation that already finished is ignored.
                return null;
            default:
                if (!command.IsRequest)
                {
                    throw new DicomProtocolException($"Unexpected {command.CommandField} from the requestor.", AbortReason.UnexpectedPduParameter);
                }

                await message.SkipDataSetAsync(stopping).ConfigureAwait(false);
                await request.RespondAsync(DimseStatus.UnrecognizedOperation, stopping, $"{command.CommandField} is not served here").ConfigureAwait(false);
                return null;
        }
    }
}
