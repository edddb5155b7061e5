using System.Net.Sockets;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// The sub-operation engine C-GET and C-MOVE share (PS3.4 C.4.2.3, C.4.3.3): resolve, run one sub-operation per
/// instance with a pending response after each, stop at C-CANCEL, and finish with the counters and the Failed SOP
/// Instance UID List. Where a sub-operation goes (back on the same association, or to a move destination) is the
/// service's <c>send</c>.
/// </summary>
internal static partial class RetrieveSubOperations
{
    /// <summary>The largest even value length of explicit VR's 16-bit length field (PS3.5 7.1.2).</summary>
    private const int MaxExplicitUidListLength = 0xFFFE;

    public static async Task RunAsync(
        ServedRequest served,
        RequestWatcher watcher,
        string operation,
        Func<CancellationToken, Task<IReadOnlyList<RetrieveInstance>>> resolve,
        Func<RetrieveInstance, CancellationToken, Task<DimseStatus>> send,
        CancellationToken stopping)
    {
        var association = served.Association;
        IReadOnlyList<RetrieveInstance> instances;
        try
        {
            instances = await resolve(watcher.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not (DicomAssociationException or OperationCanceledException))
        {
            served.ProviderFailed(operation, error.Message);
            await served.RespondAsync(DimseStatus.UnableToProcess, stopping, error.Message).ConfigureAwait(false);
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
                var pending = served.NewResponse(DimseStatus.Pending);
                SetCounters(pending, (ushort)remaining, completed, failed, warning);
                await served.RespondAsync(pending, null, stopping).ConfigureAwait(false);
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

        var response = served.NewResponse(final, failed > 0 ? lastError : null);
        // PS3.4 C.4.3.1.3.2: the final response carries no remaining count, except after a cancel.
        SetCounters(response, final == DimseStatus.Cancel ? (ushort)remaining : null, completed, failed, warning);
        using (var identifier = FailedInstancesIdentifier(served.Message, final, failedUids, served.Logger))
        {
            await served.RespondAsync(response, identifier, stopping).ConfigureAwait(false);
        }

        LogRetrieve(served.Logger, operation, completed, failed, warning, final.ToString());
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

    private static void SetCounters(DimseCommand command, ushort? remaining, ushort completed, ushort failed, ushort warning)
    {
        command.RemainingSuboperations = remaining;
        command.CompletedSuboperations = completed;
        command.FailedSuboperations = failed;
        command.WarningSuboperations = warning;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed SOP Instance UID List cut from {Total} to the {Listed} UIDs that fit one explicit VR value")]
    private static partial void LogFailedListCut(ILogger logger, int total, int listed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation}: {Completed} completed, {Failed} failed, {Warning} warnings: {Status}")]
    private static partial void LogRetrieve(ILogger logger, string operation, int completed, int failed, int warning, string status);
}
