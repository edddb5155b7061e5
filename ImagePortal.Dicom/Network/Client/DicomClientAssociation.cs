using System.Runtime.CompilerServices;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>
/// An open association as SCU. Operations run one at a time (asynchronous operations window 1,
/// PS3.7 D.3.3.3, the default). Multi-response operations are <see cref="IAsyncEnumerable{T}"/>: cancel
/// the enumeration and a C-CANCEL is sent; the remaining responses are consumed so the association stays usable.
/// </summary>
public sealed class DicomClientAssociation : IAsyncDisposable
{
    private readonly AssociationOptions _options;
    private readonly DicomNetworkMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _operation = new(1, 1);

    internal DicomClientAssociation(DicomAssociation association, AssociationOptions options, DicomNetworkMetrics? metrics, ILogger logger)
    {
        Association = association;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public DicomAssociation Association { get; }

    public bool IsEstablished => Association.IsEstablished;

    /// <summary>PS3.7 9.1.5 C-ECHO.</summary>
    public async Task<DimseStatus> EchoAsync(CancellationToken cancellationToken = default)
    {
        var (context, command) = NewRequest(DimseCommandField.CEchoRequest, DicomNetworkUids.Verification);
        var response = await SingleAsync(context, command, null, cancellationToken).ConfigureAwait(false);
        return response.Status;
    }

    /// <summary>
    /// PS3.7 9.1.1 C-STORE of a data set already encoded in <paramref name="transferSyntaxUid"/>, streamed
    /// from <paramref name="dataSet"/> to the socket.
    /// </summary>
    public async Task<DimseResponse> StoreAsync(
        string sopClassUid,
        string sopInstanceUid,
        string transferSyntaxUid,
        Stream dataSet,
        string? moveOriginatorAeTitle = null,
        ushort? moveOriginatorMessageId = null,
        CancellationToken cancellationToken = default)
    {
        var (context, command) = NewRequest(DimseCommandField.CStoreRequest, sopClassUid, transferSyntaxUid);
        command.AffectedSopInstanceUid = sopInstanceUid;
        if (moveOriginatorAeTitle is not null)
        {
            command.MoveOriginatorAeTitle = moveOriginatorAeTitle;
            command.MoveOriginatorMessageId = moveOriginatorMessageId;
        }

        var response = await SingleAsync(context, command, dataSet, cancellationToken).ConfigureAwait(false);
        _metrics?.InstanceSent();
        return response;
    }

    /// <summary>C-STORE of a Part 10 file: its meta group picks the context, its data set is streamed from disk.</summary>
    public async Task<DimseResponse> StoreFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var header = await Part10Header.ReadAsync(file, cancellationToken).ConfigureAwait(false);
        return await StoreAsync(header.SopClassUid, header.SopInstanceUid, header.TransferSyntaxUid, file, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// PS3.7 9.1.2 C-FIND with an identifier encoded in the context's transfer syntax. Yields every
    /// response, pending ones with their identifiers, the final one last.
    /// </summary>
    public IAsyncEnumerable<DimseResponse> FindAsync(string sopClassUid, ReadOnlyMemory<byte> identifier, CancellationToken cancellationToken = default)
    {
        var (context, command) = NewRequest(DimseCommandField.CFindRequest, sopClassUid);
        return ExchangeAsync(context, command, identifier, null, cancellationToken);
    }

    /// <summary>PS3.7 9.1.4 C-MOVE to <paramref name="destinationAeTitle"/>; yields the progress responses.</summary>
    public IAsyncEnumerable<RetrieveProgress> MoveAsync(
        string sopClassUid,
        string destinationAeTitle,
        ReadOnlyMemory<byte> identifier,
        CancellationToken cancellationToken = default) =>
        RetrieveAsync(DimseCommandField.CMoveRequest, sopClassUid, identifier, destinationAeTitle, sink: null, cancellationToken);

    /// <summary>
    /// PS3.7 9.1.3 C-GET: the instances come back as C-STORE sub-operations on this association and are
    /// handed to <paramref name="sink"/>. The association must have been opened with the storage SOP
    /// classes and an SCP role selection (see <see cref="StorageContextsForGet"/>).
    /// </summary>
    public IAsyncEnumerable<RetrieveProgress> GetAsync(
        string sopClassUid,
        ReadOnlyMemory<byte> identifier,
        IDicomStoreProvider sink,
        CancellationToken cancellationToken = default) =>
        RetrieveAsync(DimseCommandField.CGetRequest, sopClassUid, identifier, moveDestination: null, sink, cancellationToken);

    /// <summary>
    /// PS3.4 C.4.1 C-FIND with <paramref name="identifier"/> (the keys, with (0008,0052) Query/Retrieve
    /// Level) encoded in the negotiated transfer syntax; yields each match, then the final status.
    /// </summary>
    public async IAsyncEnumerable<FindResult> FindAsync(string sopClassUid, DicomDataset identifier, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var syntax = TransferSyntaxFor(sopClassUid);
        await foreach (var response in FindAsync(sopClassUid, DimseDataSet.Encode(identifier, syntax), cancellationToken).ConfigureAwait(false))
        {
            yield return new FindResult(response.Status, DimseDataSet.Decode(response.DataSet, syntax), response.ErrorComment);
        }
    }

    /// <summary>PS3.4 C.4.2 C-MOVE of what <paramref name="identifier"/> names, to <paramref name="destinationAeTitle"/>.</summary>
    public IAsyncEnumerable<RetrieveProgress> MoveAsync(string sopClassUid, string destinationAeTitle, DicomDataset identifier, CancellationToken cancellationToken = default) =>
        MoveAsync(sopClassUid, destinationAeTitle, DimseDataSet.Encode(identifier, TransferSyntaxFor(sopClassUid)), cancellationToken);

    /// <summary>PS3.4 C.4.3 C-GET of what <paramref name="identifier"/> names, each instance handed to <paramref name="sink"/>.</summary>
    public IAsyncEnumerable<RetrieveProgress> GetAsync(string sopClassUid, DicomDataset identifier, IDicomStoreProvider sink, CancellationToken cancellationToken = default) =>
        GetAsync(sopClassUid, DimseDataSet.Encode(identifier, TransferSyntaxFor(sopClassUid)), sink, cancellationToken);

    /// <summary>
    /// Presentation contexts for the storage SOP classes a C-GET should bring back, each with an SCP
    /// role selection (PS3.4 C.4.3.1; without it every sub-operation fails).
    /// </summary>
    public static IEnumerable<PresentationContextRequest> StorageContextsForGet(IEnumerable<string> storageSopClasses, IReadOnlyList<string> transferSyntaxes) =>
        storageSopClasses.Distinct().Select(uid => new PresentationContextRequest(uid, transferSyntaxes)
        {
            Role = new RoleSelection(uid, ScuRole: false, ScpRole: true),
        });

    public Task ReleaseAsync(CancellationToken cancellationToken = default) =>
        Association.ReleaseAsync(_options.AssociationTimeout, cancellationToken);

    public Task AbortAsync() => Association.AbortAsync();

    public async ValueTask DisposeAsync()
    {
        await Association.DisposeAsync().ConfigureAwait(false);
        _operation.Dispose();
    }

    /// <summary>
    /// A request on <paramref name="sopClassUid"/>'s accepted presentation context (in <paramref name="transferSyntax"/>
    /// when named) with the association's next message ID. Every request but C-ECHO carries a priority (PS3.7 9.3); the
    /// portal always asks for medium, the one every peer treats alike.
    /// </summary>
    private (PresentationContext Context, DimseCommand Command) NewRequest(DimseCommandField field, string sopClassUid, string? transferSyntax = null)
    {
        var context = RequireContext(sopClassUid, transferSyntax);
        var command = new DimseCommand
        {
            CommandField = field,
            MessageId = Association.NextMessageId(),
            AffectedSopClassUid = sopClassUid,
        };
        if (field != DimseCommandField.CEchoRequest)
        {
            command.Priority = DimsePriority.Medium;
        }

        return (context, command);
    }

    /// <summary>
    /// C-MOVE (to <paramref name="moveDestination"/>) or C-GET (into <paramref name="sink"/>): the same request and the
    /// same progress responses. An iterator, so the arguments are checked when the caller starts enumerating.
    /// </summary>
    private async IAsyncEnumerable<RetrieveProgress> RetrieveAsync(
        DimseCommandField field,
        string sopClassUid,
        ReadOnlyMemory<byte> identifier,
        string? moveDestination,
        IDicomStoreProvider? sink,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (field == DimseCommandField.CMoveRequest)
        {
            AeTitleSyntax.Validate(moveDestination!, "destinationAeTitle");
        }
        else
        {
            ArgumentNullException.ThrowIfNull(sink);
        }

        var (context, command) = NewRequest(field, sopClassUid);
        if (moveDestination is not null)
        {
            command.MoveDestination = moveDestination;
        }

        await foreach (var response in ExchangeAsync(context, command, identifier, sink, cancellationToken).ConfigureAwait(false))
        {
            yield return RetrieveProgress.From(response);
        }
    }

    private async Task<DimseResponse> SingleAsync(PresentationContext context, DimseCommand command, Stream? dataSet, CancellationToken cancellationToken)
    {
        await _operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Association.SendMessageAsync(context.Id, command, dataSet, cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var response = await ReceiveResponseAsync(command, null, cancellationToken).ConfigureAwait(false);
                if (response is not null)
                {
                    return response;
                }
            }
        }
        finally
        {
            _operation.Release();
        }
    }

    private async IAsyncEnumerable<DimseResponse> ExchangeAsync(
        PresentationContext context,
        DimseCommand command,
        ReadOnlyMemory<byte> identifier,
        IDicomStoreProvider? sink,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _operation.WaitAsync(cancellationToken).ConfigureAwait(false);
        Task? cancelSent = null;
        var finished = false;
        try
        {
            using (var identifierStream = new MemoryStream(identifier.ToArray(), writable: false))
            {
                await Association.SendMessageAsync(context.Id, command, identifierStream, cancellationToken).ConfigureAwait(false);
            }

            // PS3.7 9.3.2.3: cancelling sends C-CANCEL and keeps reading until the final response,
            // so that the association can carry the next operation.
            using var registration = cancellationToken.Register(() => cancelSent ??= SendCancelAsync(context, command.MessageId));
            while (true)
            {
                var response = await ReceiveResponseAsync(command, sink, CancellationToken.None).ConfigureAwait(false);
                if (response is null)
                {
                    continue;
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    yield return response;
                }

                if (response.Status.IsFinal)
                {
                    finished = true;
                    break;
                }
            }
        }
        finally
        {
            if (!finished && Association.IsEstablished)
            {
                // The caller stopped enumerating early: cancel, and consume what is still coming so
                // the next operation does not read this one's responses.
                cancelSent ??= SendCancelAsync(context, command.MessageId);
                await DrainAfterEarlyExitAsync(command, sink).ConfigureAwait(false);
            }

            if (cancelSent is not null)
            {
                await cancelSent.ConfigureAwait(false);
            }

            _operation.Release();
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task DrainAfterEarlyExitAsync(DimseCommand command, IDicomStoreProvider? sink)
    {
        try
        {
            while (Association.IsEstablished)
            {
                var response = await ReceiveResponseAsync(command, sink, CancellationToken.None).ConfigureAwait(false);
                if (response is { Status.IsFinal: true })
                {
                    return;
                }
            }
        }
        catch (Exception error) when (error is DicomAssociationException or DicomProtocolException or InvalidOperationException)
        {
            // The association is gone (and was aborted where needed); it will not be reused.
        }
    }

    private async Task SendCancelAsync(PresentationContext context, ushort messageId)
    {
        var cancel = new DimseCommand
        {
            CommandField = DimseCommandField.CCancelRequest,
            MessageIdBeingRespondedTo = messageId,
        };
        try
        {
            await Association.SendMessageAsync(context.Id, cancel, null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is DicomAssociationException or InvalidOperationException)
        {
            // The association ended meanwhile; the receive loop reports that.
        }
    }

    /// <summary>
    /// Receives one message. Returns the response to <paramref name="request"/>, or null after serving a
    /// C-STORE sub-operation of a C-GET.
    /// </summary>
    private async Task<DimseResponse?> ReceiveResponseAsync(DimseCommand request, IDicomStoreProvider? sink, CancellationToken cancellationToken)
    {
        var message = await Association.ReceiveMessageAsync(_options.ResponseTimeout, cancellationToken).ConfigureAwait(false)
            ?? throw new DicomAssociationAbortedException("The peer released the association while an operation was outstanding.");
        var received = message.Command;
        if (received.CommandField == DimseCommandField.CStoreRequest && sink is not null)
        {
            await CStoreReceiver.ReceiveAsync(Association, message, sink, _metrics, _logger, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var expected = (DimseCommandField)((ushort)request.CommandField | 0x8000);
        if (received.CommandField != expected || received.MessageIdBeingRespondedTo != request.MessageId)
        {
            await Association.AbortAsync(AbortSource.ServiceUser, AbortReason.UnexpectedPduParameter).ConfigureAwait(false);
            throw new DicomProtocolException($"Expected {expected} to message {request.MessageId}, received {received}.", AbortReason.UnexpectedPduParameter);
        }

        byte[]? dataSet = null;
        if (message.DataSet is { } stream)
        {
            dataSet = await DimseDataSet.ReadBoundedAsync(stream, "A response data set", cancellationToken).ConfigureAwait(false);
        }

        return new DimseResponse(received, message.PresentationContext.TransferSyntax, dataSet);
    }

    private DicomTransferSyntax TransferSyntaxFor(string sopClassUid) =>
        DicomTransferSyntax.Lookup(RequireContext(sopClassUid, null).TransferSyntax);

    private PresentationContext RequireContext(string abstractSyntax, string? transferSyntax) =>
        Association.FindContext(abstractSyntax, transferSyntax)
        ?? throw new InvalidOperationException(transferSyntax is null
            ? $"No accepted presentation context for {abstractSyntax} on this association."
            : $"No accepted presentation context for {abstractSyntax} in {transferSyntax} on this association.");
}
