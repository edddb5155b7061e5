// Over 400 lines: the upper-layer state machine (PS3.8 9.2) and the send, receive, release and abort paths that drive it
// share one set of state fields and locks; negotiation is in DicomAssociation.Negotiation.cs, a data set's stream in PdvDataStream.cs.
using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>
/// One DICOM association over one transport connection, for either role. It owns the upper layer state
/// (PS3.8 9.2), sends DIMSE messages fragmented within the peer's maximum length and receives them with
/// their data sets as streams, so that a C-STORE never has to be held whole in memory.
/// </summary>
/// <remarks>
/// Sending is serialised by a lock held for a whole message (PS3.8 9.3.5: the PDVs of one message are
/// never interleaved with another's). Receiving is done by one reader at a time; a message's data set
/// stream must be read (or is drained) before the next message is received.
/// </remarks>
public sealed partial class DicomAssociation : IAsyncDisposable
{
    private const int TcpQuickAck = 12;
    private const int WriteBufferSize = 256 * 1024;
    private const int ReadBufferSize = 64 * 1024;
    private const int IpProtoTcp = 6;

    private readonly Socket? _socket;
    private readonly Stream _stream;

    /// <summary>
    /// Writes go through a buffer so that the many small PDUs of a peer with a small maximum length
    /// (Orthanc and DCMTK default to 16 KiB) leave in a few large writes instead of one system call each.
    /// Only writes use it (under the send lock); reads have their own, <see cref="_reader"/>.
    /// </summary>
    private readonly BufferedStream _writer;

    /// <summary>
    /// Reads go through their own buffer (never the writer's: sending and receiving run concurrently), so
    /// that a PDU header and the small PDUs of a 16 KiB peer come in a few large reads instead of two
    /// system calls per PDU. Only the receive path uses it, one reader at a time.
    /// </summary>
    private readonly BufferedStream _reader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    /// <summary>How long the acceptor waits for the requestor to close the transport after A-RELEASE-RP.</summary>
    internal static readonly TimeSpan PeerCloseTimeout = TimeSpan.FromSeconds(5);
    private readonly uint _ourMaxPdu;
    private readonly Dictionary<byte, PresentationContext> _contexts;
    private readonly DicomNetworkMetrics? _metrics;

    private PduFrame? _frame;
    private List<Pdv>? _pdvs;
    private int _pdvIndex;
    private PdvDataStream? _openDataStream;
    private volatile AssociationState _state;
    private int _nextMessageId;

    private DicomAssociation(
        Socket? socket,
        Stream stream,
        bool isRequestor,
        AssociateRequest request,
        AssociateAccept accept,
        uint ourMaxPdu,
        IReadOnlyList<PresentationContext> contexts,
        ILogger logger,
        DicomNetworkMetrics? metrics)
    {
        _socket = socket;
        _stream = stream;
        _writer = new BufferedStream(stream, WriteBufferSize);
        _reader = new BufferedStream(stream, ReadBufferSize);
        IsRequestor = isRequestor;
        Request = request;
        Accept = accept;
        _ourMaxPdu = ourMaxPdu;
        _contexts = contexts.ToDictionary(c => c.Id);
        _logger = logger;
        _metrics = metrics;
        _state = AssociationState.Established;
        RemoteEndPoint = socket?.RemoteEndPoint;
    }

    public bool IsRequestor { get; }

    public AssociateRequest Request { get; }

    public AssociateAccept Accept { get; }

    public string CallingAeTitle => Request.CallingAeTitle;

    public string CalledAeTitle => Request.CalledAeTitle;

    public EndPoint? RemoteEndPoint { get; }

    public IReadOnlyCollection<PresentationContext> PresentationContexts => _contexts.Values;

    /// <summary>The maximum P-DATA-TF variable field the peer accepts (PS3.8 D.1); 0 = no limit.</summary>
    public uint PeerMaxPduLength => IsRequestor ? Accept.UserInformation.MaxPduLength : Request.UserInformation.MaxPduLength;

    /// <summary>True while messages may be exchanged: not released, aborted or timed out.</summary>
    public bool IsEstablished => _state == AssociationState.Established;

    /// <summary>
    /// The largest fragment we put in one PDV: the peer's limit minus the PDV header (PS3.8 9.3.5.1);
    /// for a peer without a limit, our own announced maximum keeps memory per PDU bounded.
    /// </summary>
    internal int MaxFragmentLength
    {
        get
        {
            var peer = PeerMaxPduLength;
            var limit = peer == 0 ? _ourMaxPdu : Math.Min(peer, 16u * 1024 * 1024);
            // Even, because DCMTK refuses odd fragments (PS3.5 7.1: values, hence data sets, have even length).
            return ((int)limit - Pdv.HeaderLength) & ~1;
        }
    }

    public ushort NextMessageId() => (ushort)(Interlocked.Increment(ref _nextMessageId) & 0xFFFF);

    public PresentationContext? FindContext(string abstractSyntax, string? transferSyntax = null) =>
        _contexts.Values
            .Where(c => c.IsAccepted && c.AbstractSyntax == abstractSyntax && (transferSyntax is null || c.TransferSyntax == transferSyntax))
            .OrderBy(c => c.Id)
            .FirstOrDefault();

    public PresentationContext? GetContext(byte id) => _contexts.GetValueOrDefault(id);

    /// <summary>
    /// PS3.7 D.3.3.4: whether the requestor may act as SCP of <paramref name="sopClassUid"/> on this
    /// association, that is receive the C-STORE sub-operations of a C-GET. Only when it proposed the SCP
    /// role in a role selection sub-item and the acceptor answered with the SCP role too; without the
    /// sub-item on either side the default roles apply (requestor SCU only).
    /// </summary>
    public bool RequestorIsScp(string sopClassUid) =>
        Request.UserInformation.RoleSelections.Any(r => r.SopClassUid == sopClassUid && r.ScpRole)
        && Accept.UserInformation.RoleSelections.Any(r => r.SopClassUid == sopClassUid && r.ScpRole);

    /// <summary>
    /// Whether the requestor, having proposed the SCP role for <paramref name="sopClassUid"/> (C-GET), takes a C-STORE of it:
    /// yes unless the acceptor explicitly declined the role. Strictly (PS3.7 D.3.3.4) an acceptor that omits the reply
    /// leaves the default roles, but real PACS (Orthanc for SOP classes it does not know) omit it and still send the
    /// instances they were asked for; refusing them would lose a study the peer is willing to give.
    /// </summary>
    public bool RequestorMayReceive(string sopClassUid)
    {
        var proposed = Request.UserInformation.RoleSelections.FirstOrDefault(r => r.SopClassUid == sopClassUid);
        var answered = Accept.UserInformation.RoleSelections.FirstOrDefault(r => r.SopClassUid == sopClassUid);
        return proposed is { ScpRole: true } && (answered is null || answered.ScpRole);
    }

    /// <summary>
    /// PS3.7 D.3.3.4: whether the requestor may act as SCU of <paramref name="sopClassUid"/> (send it
    /// requests). True by default; false only when a role selection for it was negotiated without the SCU role.
    /// </summary>
    public bool RequestorIsScu(string sopClassUid)
    {
        var proposed = Request.UserInformation.RoleSelections.FirstOrDefault(r => r.SopClassUid == sopClassUid);
        var answered = Accept.UserInformation.RoleSelections.FirstOrDefault(r => r.SopClassUid == sopClassUid);
        return proposed is null || answered is null || (proposed.ScuRole && answered.ScuRole);
    }

    /// <summary>
    /// Sends one DIMSE message: the command, then the data set read from <paramref name="dataSet"/>
    /// (already in the context's transfer syntax) until its end, in fragments within the peer's limit.
    /// </summary>
    public async Task SendMessageAsync(byte contextId, DimseCommand command, Stream? dataSet, CancellationToken cancellationToken)
    {
        EnsureEstablished();
        if (!_contexts.TryGetValue(contextId, out var context) || !context.IsAccepted)
        {
            throw new InvalidOperationException($"Presentation context {contextId} was not accepted on this association.");
        }

        command.HasDataSet = dataSet is not null;
        var commandBytes = command.Encode();
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var fragment = MaxFragmentLength;
        // One spare byte: an odd final fragment gets a NUL pad (below).
        var current = ArrayPool<byte>.Shared.Rent(PDataTf.SinglePdvOverhead + fragment + 1);
        var next = dataSet is null ? null : ArrayPool<byte>.Shared.Rent(PDataTf.SinglePdvOverhead + fragment + 1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(WriteTimeout);
        try
        {
            for (var offset = 0; offset < commandBytes.Length; offset += fragment)
            {
                var length = Math.Min(fragment, commandBytes.Length - offset);
                commandBytes.AsSpan(offset, length).CopyTo(current.AsSpan(PDataTf.SinglePdvOverhead));
                await WritePdvAsync(current, contextId, isCommand: true, isLast: offset + length == commandBytes.Length, length, timeout.Token).ConfigureAwait(false);
            }

            if (dataSet is not null)
            {
                // Read one fragment ahead: only the fragment after which the stream ends carries the
                // last-fragment bit (PS3.8 E.2), and a stream's length is not always known.
                var currentLength = await dataSet.ReadAtLeastAsync(current.AsMemory(PDataTf.SinglePdvOverhead, fragment), fragment, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
                long total = currentLength;
                while (true)
                {
                    var nextLength = currentLength < fragment
                        ? 0
                        : await dataSet.ReadAtLeastAsync(next!.AsMemory(PDataTf.SinglePdvOverhead, fragment), fragment, throwOnEndOfStream: false, timeout.Token).ConfigureAwait(false);
                    if (nextLength == 0 && (currentLength & 1) == 1)
                    {
                        // PS3.5 A.5: a deflated data set is padded to even length with a NUL; files
                        // that skipped it would otherwise be refused by the peer (DCMTK: "odd fragment length").
                        current[PDataTf.SinglePdvOverhead + currentLength] = 0;
                        currentLength++;
                        total++;
                    }

                    await WritePdvAsync(current, contextId, isCommand: false, isLast: nextLength == 0, currentLength, timeout.Token).ConfigureAwait(false);
                    if (nextLength == 0)
                    {
                        break;
                    }

                    total += nextLength;
                    (current, next) = (next!, current);
                    currentLength = nextLength;
                }

                _metrics?.BytesSent(total);
            }

            await _writer.FlushAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // A message cut in the middle, whatever the cause (the source stream failed, the peer went
            // away, a timeout, a cancel), leaves the peer mid-message: the association cannot continue.
            var timedOut = timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            await AbortAsync(AbortSource.ServiceUser, AbortReason.NotSpecified).ConfigureAwait(false);
            if (timedOut)
            {
                throw new DicomAssociationTimeoutException($"The peer did not take our data within {WriteTimeout}; association aborted.");
            }

            if (error is IOException or SocketException or ObjectDisposedException)
            {
                throw new DicomAssociationAbortedException($"Sending {command.CommandField} failed, association aborted: {error.Message}", inner: error);
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(current);
            if (next is not null)
            {
                ArrayPool<byte>.Shared.Return(next);
            }

            _sendLock.Release();
        }

        LogSent(_logger, command.ToString());
    }

    /// <summary>
    /// Receives the next DIMSE message. Returns null when the peer released the association (we have
    /// answered with A-RELEASE-RP). On a protocol violation the association is aborted and
    /// <see cref="DicomProtocolException"/> is thrown; on an A-ABORT <see cref="DicomAssociationAbortedException"/>;
    /// when <paramref name="timeout"/> expires the association is aborted and
    /// <see cref="DicomAssociationTimeoutException"/> is thrown.
    /// </summary>
    public async Task<DimseMessage?> ReceiveMessageAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        EnsureEstablished();
        if (_openDataStream is { } previous)
        {
            // The previous message's data set was not consumed: skip the rest of it.
            await previous.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(timeout);
        try
        {
            var command = new ArrayBufferWriter<byte>(256);
            byte contextId = 0;
            while (true)
            {
                var pdv = await NextPdvAsync(linked.Token).ConfigureAwait(false);
                if (pdv is null)
                {
                    if (command.WrittenCount > 0)
                    {
                        throw new DicomProtocolException("A-RELEASE-RQ in the middle of a command (PS3.8 9.2 table 9-10).", AbortReason.UnexpectedPdu);
                    }

                    await AnswerReleaseAsync(linked.Token).ConfigureAwait(false);
                    return null;
                }

                var value = pdv.Value;
                if (!value.IsCommand)
                {
                    throw new DicomProtocolException("A data set fragment arrived where a command was expected (PS3.7 6.3.1).", AbortReason.UnexpectedPduParameter);
                }

                if (command.WrittenCount == 0)
                {
                    contextId = value.PresentationContextId;
                    if (GetContext(contextId) is not { IsAccepted: true })
                    {
                        throw new DicomProtocolException($"A message on presentation context {contextId}, which was not accepted (PS3.8 9.3.5.1).", AbortReason.InvalidPduParameterValue);
                    }
                }
                else if (value.PresentationContextId != contextId)
                {
                    throw new DicomProtocolException("Fragments of one command arrived on two presentation contexts (PS3.8 9.3.5.1).", AbortReason.InvalidPduParameterValue);
                }

                if (command.WrittenCount + value.Data.Length > DimseCommand.MaxEncodedLength)
                {
                    throw new DicomProtocolException($"A command set longer than {DimseCommand.MaxEncodedLength} bytes.", AbortReason.InvalidPduParameterValue);
                }

                command.Write(value.Data.Span);
                if (value.IsLastFragment)
                {
                    break;
                }
            }

            var decoded = DimseCommand.Decode(command.WrittenSpan);
            LogReceived(_logger, decoded.ToString());
            PdvDataStream? data = null;
            if (decoded.HasDataSet)
            {
                data = new PdvDataStream(this, contextId);
                _openDataStream = data;
            }

            return new DimseMessage(_contexts[contextId], decoded, data);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await AbortAsync(AbortSource.ServiceProvider, AbortReason.NotSpecified).ConfigureAwait(false);
            throw new DicomAssociationTimeoutException($"No message from the peer within {timeout}; association aborted.");
        }
        catch (OperationCanceledException)
        {
            // A read cut in the middle leaves us mid-PDU: the association cannot continue.
            await AbortAsync(AbortSource.ServiceUser, AbortReason.NotSpecified).ConfigureAwait(false);
            throw;
        }
        catch (DicomProtocolException error)
        {
            LogProtocolError(_logger, error.Message);
            await AbortAsync(AbortSource.ServiceProvider, error.Reason).ConfigureAwait(false);
            throw;
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException)
        {
            MarkClosed();
            throw new DicomAssociationAbortedException($"The connection to the peer was lost: {error.Message}", inner: error);
        }
    }

    /// <summary>
    /// Releases the association (PS3.8 7.2, 9.2 states Sta7, Sta9–Sta12 for a release collision).
    /// Messages that still arrive are discarded; if no A-RELEASE-RP comes within the association
    /// timeout, the association is aborted.
    /// </summary>
    public async Task ReleaseAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (_state != AssociationState.Established)
        {
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linked.CancelAfter(timeout);
        try
        {
            await SendControlPduAsync(w => ReleasePdu.Write(w, PduType.ReleaseRequest), linked.Token).ConfigureAwait(false);
            _state = AssociationState.AwaitingReleaseResponse;
            var collisionAsAcceptor = false;
            while (true)
            {
                using var frame = await ReadFrameAsync(linked.Token).ConfigureAwait(false);
                switch (frame?.Type)
                {
                    case null:
                    case PduType.Abort:
                        MarkClosed();
                        return;
                    case PduType.ReleaseResponse:
                        if (collisionAsAcceptor)
                        {
                            // PS3.8 9.2.3 release collision, acceptor side (Sta10 AR-10, Sta12 AR-4):
                            // the requestor's RP came first, now ours.
                            await SendControlPduAsync(w => ReleasePdu.Write(w, PduType.ReleaseResponse), linked.Token).ConfigureAwait(false);
                        }

                        LogReleased(_logger);
                        MarkClosed();
                        return;
                    case PduType.ReleaseRequest when IsRequestor:
                        // PS3.8 9.2.3 release collision, requestor side (Sta9 AR-9): answer first, then await the RP.
                        await SendControlPduAsync(w => ReleasePdu.Write(w, PduType.ReleaseResponse), linked.Token).ConfigureAwait(false);
                        break;
                    case PduType.ReleaseRequest:
                        collisionAsAcceptor = true;
                        break;
                    case PduType.DataTransfer:
                        // Sta7: late P-DATA is still delivered by the standard; nobody waits for it here.
                        break;
                    default:
                        throw new DicomProtocolException($"Unexpected {frame.Type} while releasing (PS3.8 9.2 Sta7).", AbortReason.UnexpectedPdu);
                }
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or SocketException or DicomProtocolException or ObjectDisposedException)
        {
            LogReleaseFailed(_logger, error.Message);
            await AbortAsync(AbortSource.ServiceUser, AbortReason.NotSpecified).ConfigureAwait(false);
            if (error is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new DicomAssociationTimeoutException($"No A-RELEASE-RP within {timeout}; association aborted.");
            }

            throw;
        }
    }

    /// <summary>Sends A-ABORT (best effort) and closes the connection. Never throws.</summary>
    public async Task AbortAsync(AbortSource source = AbortSource.ServiceUser, AbortReason reason = AbortReason.NotSpecified)
    {
        if (_state is AssociationState.Closed or AssociationState.Aborted)
        {
            return;
        }

        _state = AssociationState.Aborted;
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var writer = new PduWriter(16);
            new AbortPdu(source, reason).Write(writer);
            if (await _sendLock.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false))
            {
                try
                {
                    await _writer.WriteAsync(writer.WrittenMemory, cts.Token).ConfigureAwait(false);
                    await _writer.FlushAsync(cts.Token).ConfigureAwait(false);
                }
                finally
                {
                    _sendLock.Release();
                }
            }
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the peer may already be gone.
        }

        LogAborted(_logger, source, reason);
        _metrics?.AssociationAborted();
        CloseTransport();
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == AssociationState.Established)
        {
            await AbortAsync().ConfigureAwait(false);
        }

        CloseTransport();
        _sendLock.Dispose();
    }

    internal TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The next PDV of a P-DATA-TF, reading PDUs as needed. Returns null for an A-RELEASE-RQ; throws for
    /// an A-ABORT, a lost connection or a PDU the established state does not allow (PS3.8 9.2 Sta6).
    /// </summary>
    internal async ValueTask<Pdv?> NextPdvAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_pdvs is not null && _pdvIndex < _pdvs.Count)
            {
                return _pdvs[_pdvIndex++];
            }

            ReleaseFrame();
            var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            switch (frame?.Type)
            {
                case null:
                    MarkClosed();
                    throw new DicomAssociationAbortedException("The peer closed the connection without releasing the association.");
                case PduType.DataTransfer:
                    _frame = frame;
                    _pdvs = PDataTf.Read(frame.Body);
                    _pdvIndex = 0;
                    _metrics?.BytesReceived(frame.Length);
                    continue;
                case PduType.ReleaseRequest:
                    frame.Dispose();
                    return null;
                case PduType.Abort:
                    var abort = AbortPdu.Read(frame.Body.Span);
                    frame.Dispose();
                    _state = AssociationState.Aborted;
                    _metrics?.AssociationAborted();
                    CloseTransport();
                    throw new DicomAssociationAbortedException($"The peer aborted the association (source {abort.Source}, reason {abort.Reason}).", abort);
                default:
                    var type = frame.Type;
                    frame.Dispose();
                    throw new DicomProtocolException($"Unexpected {type} on an established association (PS3.8 9.2 Sta6).", AbortReason.UnexpectedPdu);
            }
        }
    }

    /// <summary>
    /// A read of a data set stream failed part-way: the position in the PDU stream is lost, so the
    /// association is aborted (a protocol error with its reason) and the error is reported as such.
    /// </summary>
    internal async Task<Exception> DataStreamFailedAsync(Exception error)
    {
        switch (error)
        {
            case DicomProtocolException protocol:
                LogProtocolError(_logger, protocol.Message);
                await AbortAsync(AbortSource.ServiceProvider, protocol.Reason).ConfigureAwait(false);
                return protocol;
            case DicomAssociationException:
                return error;
            case IOException or SocketException or ObjectDisposedException:
                MarkClosed();
                return new DicomAssociationAbortedException($"The connection was lost inside a data set: {error.Message}", inner: error);
            default:
                await AbortAsync(AbortSource.ServiceUser, AbortReason.NotSpecified).ConfigureAwait(false);
                return error;
        }
    }

    internal void DataStreamFinished(PdvDataStream stream)
    {
        if (ReferenceEquals(_openDataStream, stream))
        {
            _openDataStream = null;
        }
    }

    private async Task AnswerReleaseAsync(CancellationToken cancellationToken)
    {
        // PS3.8 9.2 Sta6 + A-RELEASE-RQ (AR-2), then our A-RELEASE-RP (AR-4): the peer closes the transport.
        _state = AssociationState.AwaitingPeerClose;
        await SendControlPduAsync(w => ReleasePdu.Write(w, PduType.ReleaseResponse), cancellationToken).ConfigureAwait(false);
        LogReleasedByPeer(_logger);
        await AwaitPeerCloseAsync(cancellationToken).ConfigureAwait(false);
        MarkClosed();
    }

    /// <summary>
    /// PS3.8 9.2 Sta13: after A-RELEASE-RP the requestor closes the transport; the acceptor waits for that
    /// (ARTIM bounds the wait). Closing first can turn into a reset that reaches the peer before it has read
    /// our A-RELEASE-RP, and the peer then reports an aborted association (seen with DCMTK's findscu).
    /// </summary>
    private async Task AwaitPeerCloseAsync(CancellationToken cancellationToken)
    {
        using var artim = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        artim.CancelAfter(PeerCloseTimeout);
        var sink = new byte[256];
        try
        {
            // Anything after the release is ignored (PS3.8 9.2: Sta13 discards P-DATA); only the close matters.
            while (await _stream.ReadAsync(sink, artim.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task SendControlPduAsync(Action<PduWriter> write, CancellationToken cancellationToken)
    {
        var writer = new PduWriter(16);
        write(writer);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _writer.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask<PduFrame?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        // Armed before the read: after we sent a large message the kernel may have left quick-ack mode, and the
        // first small segment of the peer's response (a Nagle-delayed DCMTK C-STORE-RSP) would then wait for our
        // delayed ACK. After each read from the socket, QuickAckNetworkStream re-arms it.
        RearmQuickAck(_socket);
        return await PduFrame.ReadAsync(_reader, _ourMaxPdu, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask WritePdvAsync(byte[] buffer, byte contextId, bool isCommand, bool isLast, int fragmentLength, CancellationToken cancellationToken)
    {
        PDataTf.WriteSinglePdvHeader(buffer, contextId, isCommand, isLast, fragmentLength);
        return _writer.WriteAsync(buffer.AsMemory(0, PDataTf.SinglePdvOverhead + fragmentLength), cancellationToken);
    }

    private void EnsureEstablished()
    {
        if (_state != AssociationState.Established)
        {
            throw new InvalidOperationException($"The association is {_state}; open a new one.");
        }
    }

    private void ReleaseFrame()
    {
        _frame?.Dispose();
        _frame = null;
        _pdvs = null;
    }

    private void MarkClosed()
    {
        if (_state != AssociationState.Aborted)
        {
            _state = AssociationState.Closed;
        }

        CloseTransport();
    }

    private void CloseTransport()
    {
        ReleaseFrame();
        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
        }

        _stream.Dispose();
        _socket?.Dispose();
    }

    /// <summary>
    /// Linux only: TCP_QUICKACK makes the kernel acknowledge at once instead of delaying the ACK by up to
    /// 40 ms. The kernel clears it again on its own, so it is re-armed before every PDU is read and after every
    /// read from the socket (<see cref="QuickAckNetworkStream"/>). Without it a
    /// peer that leaves Nagle on (DCMTK and Orthanc by default) waits for our delayed ACK before every
    /// small write: about 14 s instead of 0.6 s for a 300-image study.
    /// </summary>
    internal static void RearmQuickAck(Socket? socket)
    {
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            Span<byte> on = [1, 0, 0, 0];
            socket.SetRawSocketOption(IpProtoTcp, TcpQuickAck, on);
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
        }
    }

    internal static void ConfigureSocket(Socket socket)
    {
        socket.NoDelay = true;
        socket.ReceiveBufferSize = Math.Max(socket.ReceiveBufferSize, 512 * 1024);
        socket.SendBufferSize = Math.Max(socket.SendBufferSize, 512 * 1024);
        RearmQuickAck(socket);
    }

    internal static SslProtocols AllowedTlsProtocols => SslProtocols.Tls12 | SslProtocols.Tls13;

    [LoggerMessage(Level = LogLevel.Trace, Message = "Sent {Command}")]
    private static partial void LogSent(ILogger logger, string command);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Received {Command}")]
    private static partial void LogReceived(ILogger logger, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Protocol error from the peer, aborting: {Error}")]
    private static partial void LogProtocolError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association released")]
    private static partial void LogReleased(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association released by the peer")]
    private static partial void LogReleasedByPeer(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Release failed, aborting: {Error}")]
    private static partial void LogReleaseFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association aborted (source {Source}, reason {Reason})")]
    private static partial void LogAborted(ILogger logger, AbortSource source, AbortReason reason);

    private enum AssociationState
    {
        Established,
        AwaitingReleaseResponse,
        AwaitingPeerClose,
        Closed,
        Aborted,
    }
}
