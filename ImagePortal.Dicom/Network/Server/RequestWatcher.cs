using System.Threading.Channels;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// Keeps reading the association while the SCP answers a multi-response operation (DICOM_NOTES: "keep
/// reading the socket while sending pending responses, or a C-CANCEL is never seen"). A C-CANCEL for the
/// operation cancels <see cref="Token"/>; C-STORE-RSPs of C-GET sub-operations are handed over;
/// the first other message is kept as the association's next request, and reading stops there.
/// </summary>
internal sealed class RequestWatcher : IDisposable
{
    private readonly DicomAssociation _association;
    private readonly ushort _messageId;
    private readonly CancellationTokenSource _cancel;
    private readonly Channel<DimseCommand> _storeResponses = Channel.CreateUnbounded<DimseCommand>();

    public RequestWatcher(DicomAssociation association, ushort messageId, CancellationToken stopping)
    {
        _association = association;
        _messageId = messageId;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        NextRequest = RunAsync(stopping);
    }

    /// <summary>Cancelled by the requestor's C-CANCEL, the host stopping, or the association ending.</summary>
    public CancellationToken Token => _cancel.Token;

    public bool CancelRequested { get; private set; }

    /// <summary>The message that followed the operation (null when the peer released the association).</summary>
    public Task<DimseMessage?> NextRequest { get; }

    public async Task<DimseCommand> ReceiveStoreResponseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(timeout);
        try
        {
            return await _storeResponses.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new DicomAssociationAbortedException("The association ended while a C-STORE sub-operation was outstanding.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await _association.AbortAsync().ConfigureAwait(false);
            throw new DicomAssociationTimeoutException($"No C-STORE-RSP within {timeout}; association aborted.");
        }
    }

    public void Dispose() => _cancel.Dispose();

    private async Task<DimseMessage?> RunAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                var message = await _association.ReceiveMessageAsync(Timeout.InfiniteTimeSpan, stopping).ConfigureAwait(false);
                if (message is null)
                {
                    CancelOperation();
                    return null;
                }

                switch (message.Command.CommandField)
                {
                    case DimseCommandField.CCancelRequest:
                        // PS3.7 9.3.2.3: a C-CANCEL for another message id is ignored.
                        if (message.Command.MessageIdBeingRespondedTo == _messageId)
                        {
                            CancelRequested = true;
                            CancelOperation();
                        }

                        continue;
                    case DimseCommandField.CStoreResponse:
                        _storeResponses.Writer.TryWrite(message.Command);
                        continue;
                    default:
                        return message;
                }
            }
        }
        catch
        {
            CancelOperation();
            throw;
        }
        finally
        {
            _storeResponses.Writer.TryComplete();
        }
    }

    private void CancelOperation()
    {
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
