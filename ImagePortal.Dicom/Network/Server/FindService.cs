using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// PS3.4 C.4.1 C-FIND: one pending response per match the provider yields, then success; cancel (FE00) after the
/// requestor's C-CANCEL; failure C000 with the provider's message when it throws.
/// </summary>
internal sealed partial class FindService(IDicomFindProvider provider)
{
    /// <returns>The request that followed on the association, read while the matches were sent.</returns>
    public async Task<Task<DimseMessage?>> HandleAsync(ServedRequest served, CancellationToken stopping)
    {
        var request = await served.ReadQueryAsync(stopping).ConfigureAwait(false);
        using var watcher = served.Watch(stopping);
        var status = DimseStatus.Success;
        string? comment = null;
        var matches = 0;
        try
        {
            await foreach (var match in provider.FindAsync(request, watcher.Token).ConfigureAwait(false))
            {
                if (watcher.Token.IsCancellationRequested)
                {
                    break;
                }

                using var data = new MemoryStream(match, writable: false);
                await served.RespondAsync(served.NewResponse(DimseStatus.Pending), data, stopping).ConfigureAwait(false);
                matches++;
            }
        }
        catch (OperationCanceledException) when (watcher.Token.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
        }
        catch (Exception error) when (error is not (DicomAssociationException or DicomProtocolException or OperationCanceledException))
        {
            status = DimseStatus.UnableToProcess;
            comment = error.Message;
            served.ProviderFailed("C-FIND", error.Message);
        }

        if (watcher.CancelRequested)
        {
            status = DimseStatus.Cancel;
        }

        if (served.Association.IsEstablished)
        {
            await served.RespondAsync(status, stopping, comment).ConfigureAwait(false);
        }

        LogFind(served.Logger, matches, status.ToString());
        return watcher.NextRequest;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "C-FIND answered with {Matches} matches: {Status}")]
    private static partial void LogFind(ILogger logger, int matches, string status);
}
