// Over 400 lines: the listener, dispatch and the echo/store/find services in one class (association policy in
// DicomServer.Policy.cs, C-GET/C-MOVE in DicomServer.Retrieve.cs); one file per service is the structure work planned next.

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

/// <summary>
/// The DICOM service provider host: listens, negotiates associations (called-AE check, calling-AE
/// allow-list with per-AE permissions, association limit), and serves C-ECHO, C-STORE, C-FIND, C-GET
/// and C-MOVE through pluggable providers. A provider left null means the service is not offered:
/// its presentation contexts are rejected (abstract syntax not supported).
/// </summary>
public sealed partial class DicomServer : IAsyncDisposable
{
    private readonly DicomServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly DicomNetworkMetrics? _metrics;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly AddressConnections _addresses = new();
    private Socket? _listener;
    private Task? _acceptLoop;
    private long _nextConnectionId;
    private int _active;
    private int _open;

    public DicomServer(DicomServerOptions options, ILoggerFactory? loggerFactory = null, DicomNetworkMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        AeTitleSyntax.Validate(options.AeTitle, nameof(options.AeTitle));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAssociations, 1, nameof(options.MaxAssociations));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnectionsPerAddress, 1, nameof(options.MaxConnectionsPerAddress));
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<DicomServer>();
        _metrics = metrics;
    }

    public IDicomEchoProvider? Echo { get; init; }

    public IDicomStoreProvider? Store { get; init; }

    public IDicomFindProvider? Find { get; init; }

    public IDicomGetProvider? Get { get; init; }

    public IDicomMoveProvider? Move { get; init; }

    /// <summary>The port listened on (the OS's choice when the options said 0).</summary>
    public int Port { get; private set; }

    /// <summary>Association slots taken: associations being negotiated (A-ASSOCIATE-RQ read, answer not yet sent) or established.</summary>
    public int ActiveAssociations => Volatile.Read(ref _active);

    /// <summary>Connections open, in whatever state (waiting for the A-ASSOCIATE-RQ, established, closing after a rejection).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public DicomServerOptions Options => _options;

    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        var listener = new Socket(_options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(_options.BindAddress, _options.Port));
        listener.Listen(128);
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        LogListening(_logger, _options.AeTitle, _options.BindAddress.ToString(), Port);
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
    }

    public async Task StopAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _listener = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException error)
            {
                LogAcceptFailed(_logger, error.Message);
                continue;
            }

            // A connection takes no association slot until its A-ASSOCIATE-RQ arrives (Decide); until then, and
            // while it closes after a rejection, it is bounded per remote address and in total, and by ARTIM.
            var address = AddressConnections.Of(socket.RemoteEndPoint);
            if (!_addresses.TryAdd(address, _options.MaxConnectionsPerAddress))
            {
                LogTooManyFromAddress(_logger, address.ToString(), _options.MaxConnectionsPerAddress);
                socket.Dispose();
                Report(new AssociationRefusal(AssociationRefusalReason.TooManyConnectionsFromAddress, address, null, null));
                continue;
            }

            if (Interlocked.Increment(ref _open) > MaxOpenConnections)
            {
                Interlocked.Decrement(ref _open);
                _addresses.Remove(address);
                LogTooManyConnections(_logger, address.ToString(), MaxOpenConnections);
                socket.Dispose();
                Report(new AssociationRefusal(AssociationRefusalReason.TooManyConnections, address, null, null));
                continue;
            }

            var id = Interlocked.Increment(ref _nextConnectionId);
            var task = ServeConnectionAsync(id, socket, address, stopping);
            _connections[id] = task;
            _ = task.ContinueWith(_ => _connections.TryRemove(id, out Task? _), TaskScheduler.Default);
        }
    }

    /// <summary>Established associations, plus four times as many connections negotiating or closing.</summary>
    private int MaxOpenConnections => 5 * _options.MaxAssociations;

    private async Task ServeConnectionAsync(long id, Socket socket, IPAddress address, CancellationToken stopping)
    {
        await Task.Yield();
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var logger = _loggerFactory.CreateLogger($"ImagePortal.Dicom.Network.Scp.Association{id}");
        using var scope = logger.BeginScope("Association {Id} from {Remote}", id, remote);
        Stream stream = new QuickAckNetworkStream(socket, ownsSocket: true);
        var holdsSlot = false;
        // PS3.8 9.1.5: ARTIM runs from the transport connection (TLS handshake included) to the A-ASSOCIATE-RQ;
        // on expiry the connection is closed at once (Sta2, AA-2), nothing having been sent.
        using var artim = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        artim.CancelAfter(_options.AssociationTimeout);
        try
        {
            DicomAssociation.ConfigureSocket(socket);
            X509Certificate2? clientCertificate = null;
            if (_options.TlsCertificate is { } certificate)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                var check = new ClientCertificateCheck(_options);
                try
                {
                    await ssl.AuthenticateAsServerAsync(
                        new SslServerAuthenticationOptions
                        {
                            ServerCertificate = certificate,
                            EnabledSslProtocols = DicomAssociation.AllowedTlsProtocols,
                            ClientCertificateRequired = _options.RequireClientCertificate,
                            RemoteCertificateValidationCallback = check.Validate,
                        },
                        artim.Token).ConfigureAwait(false);
                }
                catch (AuthenticationException error)
                {
                    // Nothing DICOM was read: no AE titles to report, only the address and why.
                    var refusal = check.Refusal ?? new CallerRefusal(AssociationRefusalReason.TlsHandshakeFailed, error.Message);
                    LogTlsRefused(logger, address.ToString(), refusal.Detail);
                    Report(new AssociationRefusal(refusal.Reason, address, null, null, refusal.Detail));
                    return;
                }

                clientCertificate = ssl.RemoteCertificate is { } remoteCertificate ? new X509Certificate2(remoteCertificate) : null;
            }

            var overTls = _options.TlsCertificate is not null;
            var permissions = DicomPermissions.None;
            using var presented = clientCertificate;
            var association = await DicomAssociation.AcceptAsync(
                socket,
                stream,
                _options.MaxPduLength,
                Timeout.InfiniteTimeSpan, // ARTIM is the token's, started at the connection
                request => Decide(request, address, new TransportFacts(overTls, presented), out permissions, out holdsSlot),
                logger,
                _metrics,
                artim.Token).ConfigureAwait(false);
            if (association is null)
            {
                // A rejected (or never requested) association holds no slot while its connection closes.
                ReleaseSlot(ref holdsSlot);
                await LingerUntilPeerClosesAsync(socket, stream, stopping).ConfigureAwait(false);
                return;
            }

            await using (association.ConfigureAwait(false))
            {
                await ServeAssociationAsync(association, permissions, logger, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (artim.IsCancellationRequested && !stopping.IsCancellationRequested && !holdsSlot)
        {
            LogArtimExpired(logger, address.ToString(), _options.AssociationTimeout);
        }
        catch (Exception error) when (error is DicomAssociationException or DicomProtocolException)
        {
            LogAssociationEnded(logger, error.Message);
        }
        catch (Exception error) when (error is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            LogConnectionFailed(logger, error.Message);
        }
        catch (Exception error)
        {
            // A provider bug must not take the host down; the association is aborted with the connection.
            LogUnexpected(logger, error);
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            ReleaseSlot(ref holdsSlot);
            _addresses.Remove(address);
            Interlocked.Decrement(ref _open);
        }
    }

    private void Report(AssociationRefusal refusal)
    {
        try
        {
            _options.OnAssociationRefused?.Invoke(refusal);
        }
        catch (Exception error)
        {
            LogRefusalHookFailed(_logger, error);
        }
    }

    private void ReleaseSlot(ref bool holdsSlot)
    {
        if (holdsSlot)
        {
            holdsSlot = false;
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>
    /// PS3.8 9.2 Sta13: after A-ASSOCIATE-RJ or A-ABORT the acceptor waits, within ARTIM, for the peer to
    /// close, so that our answer is not lost to a reset caused by closing with unread data. This ARTIM is
    /// short (<see cref="DicomServerOptions.RejectLingerTimeout"/>): a peer that keeps a rejected connection
    /// open must not keep its place in the per-address limit.
    /// </summary>
    private async Task LingerUntilPeerClosesAsync(Socket socket, Stream stream, CancellationToken stopping)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
            using var artim = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            artim.CancelAfter(_options.RejectLingerTimeout);
            var sink = new byte[4096];
            while (await stream.ReadAsync(sink, artim.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception error) when (error is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAssociationAsync(DicomAssociation association, DicomPermissions permissions, ILogger logger, CancellationToken stopping)
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
                message = await association.ReceiveMessageAsync(_options.IdleTimeout, stopping).ConfigureAwait(false);
            }
            else
            {
                try
                {
                    message = await next.WaitAsync(_options.IdleTimeout, stopping).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    await association.AbortAsync(AbortSource.ServiceProvider, AbortReason.NotSpecified).ConfigureAwait(false);
                    throw new DicomAssociationTimeoutException($"Idle for {_options.IdleTimeout}; association aborted.");
                }

                next = null;
            }

            if (message is null)
            {
                return;
            }

            var command = message.Command;
            var abstractSyntax = message.PresentationContext.AbstractSyntax;
            if (command.IsRequest && command.CommandField != DimseCommandField.CCancelRequest
                && (!IsAllowedOn(command.CommandField, abstractSyntax, permissions) || !association.RequestorIsScu(abstractSyntax)))
            {
                // The context was negotiated for another service (say Verification), or the caller may
                // not use this one: PS3.7 C.5.4 (0122) refused, SOP class not supported.
                if (message.DataSet is { } refused)
                {
                    await refused.CopyToAsync(Stream.Null, stopping).ConfigureAwait(false);
                }

                await SendResponseAsync(association, message, DimseStatus.SopClassNotSupported, stopping, $"{command.CommandField} is not allowed on {message.PresentationContext.AbstractSyntax}").ConfigureAwait(false);
                continue;
            }

            switch (command.CommandField)
            {
                case DimseCommandField.CEchoRequest:
                    await HandleEchoAsync(association, message, caller, stopping).ConfigureAwait(false);
                    break;
                case DimseCommandField.CStoreRequest when Store is not null:
                    await CStoreReceiver.ReceiveAsync(association, message, Store, _metrics, logger, stopping).ConfigureAwait(false);
                    break;
                case DimseCommandField.CFindRequest when Find is not null:
                    next = await HandleFindAsync(association, message, caller, logger, stopping).ConfigureAwait(false);
                    break;
                case DimseCommandField.CGetRequest when Get is not null:
                    next = await HandleGetAsync(association, message, caller, logger, stopping).ConfigureAwait(false);
                    break;
                case DimseCommandField.CMoveRequest when Move is not null:
                    next = await HandleMoveAsync(association, message, caller, logger, stopping).ConfigureAwait(false);
                    break;
                case DimseCommandField.CCancelRequest:
                    // PS3.7 9.3.2.3: a C-CANCEL for an operation that already finished is ignored.
                    break;
                default:
                    if (!command.IsRequest)
                    {
                        throw new DicomProtocolException($"Unexpected {command.CommandField} from the requestor.", AbortReason.UnexpectedPduParameter);
                    }

                    if (message.DataSet is { } unused)
                    {
                        await unused.CopyToAsync(Stream.Null, stopping).ConfigureAwait(false);
                    }

                    await SendResponseAsync(association, message, DimseStatus.UnrecognizedOperation, stopping, $"{command.CommandField} is not served here").ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task HandleEchoAsync(DicomAssociation association, DimseMessage message, DicomRequestContext caller, CancellationToken stopping)
    {
        var status = Echo is null ? DimseStatus.Success : await Echo.EchoAsync(caller, stopping).ConfigureAwait(false);
        await SendResponseAsync(association, message, status, stopping).ConfigureAwait(false);
    }

    private async Task<Task<DimseMessage?>> HandleFindAsync(DicomAssociation association, DimseMessage message, DicomRequestContext caller, ILogger logger, CancellationToken stopping)
    {
        var identifier = await ReadIdentifierAsync(message, stopping).ConfigureAwait(false);
        using var watcher = new RequestWatcher(association, message.Command.MessageId, stopping);
        var request = new QueryRequest(caller, message.PresentationContext.AbstractSyntax, message.PresentationContext.TransferSyntax, identifier);
        var status = DimseStatus.Success;
        string? comment = null;
        var matches = 0;
        try
        {
            await foreach (var match in Find!.FindAsync(request, watcher.Token).ConfigureAwait(false))
            {
                if (watcher.Token.IsCancellationRequested)
                {
                    break;
                }

                using var data = new MemoryStream(match, writable: false);
                await association.SendMessageAsync(message.PresentationContext.Id, NewResponse(message, DimseStatus.Pending), data, stopping).ConfigureAwait(false);
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
            LogProviderFailed(logger, "C-FIND", error.Message);
        }

        if (watcher.CancelRequested)
        {
            status = DimseStatus.Cancel;
        }

        if (association.IsEstablished)
        {
            await association.SendMessageAsync(message.PresentationContext.Id, NewResponse(message, status, comment), null, stopping).ConfigureAwait(false);
        }

        LogFind(logger, matches, status.ToString());
        return watcher.NextRequest;
    }

    private static async Task<byte[]> ReadIdentifierAsync(DimseMessage message, CancellationToken cancellationToken)
    {
        if (message.DataSet is null)
        {
            return [];
        }

        return await DimseDataSet.ReadBoundedAsync(message.DataSet, "An identifier", cancellationToken).ConfigureAwait(false);
    }

    private static DimseCommand NewResponse(DimseMessage request, DimseStatus status, string? comment = null)
    {
        var response = new DimseCommand
        {
            CommandField = (DimseCommandField)((ushort)request.Command.CommandField | 0x8000),
            MessageIdBeingRespondedTo = request.Command.MessageId,
            AffectedSopClassUid = request.Command.AffectedSopClassUid ?? request.PresentationContext.AbstractSyntax,
            Status = status,
        };
        if (comment is not null && status.Class is DimseStatusClass.Failure or DimseStatusClass.Warning)
        {
            response.ErrorComment = comment;
        }

        return response;
    }

    private static Task SendResponseAsync(DicomAssociation association, DimseMessage request, DimseStatus status, CancellationToken cancellationToken, string? comment = null) =>
        association.SendMessageAsync(request.PresentationContext.Id, NewResponse(request, status, comment), null, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "SCP {AeTitle} listening on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string aeTitle, string address, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Association request from {Calling} rejected: {Max} associations already running")]
    private static partial void LogLimit(ILogger logger, string calling, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from {Address} closed at once: it already has {Max} connections open")]
    private static partial void LogTooManyFromAddress(ILogger logger, string address, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from {Address} closed at once: {Max} connections already open")]
    private static partial void LogTooManyConnections(ILogger logger, string address, int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "No A-ASSOCIATE-RQ from {Address} within {Timeout}; connection closed")]
    private static partial void LogArtimExpired(ILogger logger, string address, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS connection from {Address} refused in the handshake: {Reason}")]
    private static partial void LogTlsRefused(ILogger logger, string address, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The caller check failed; the association is refused")]
    private static partial void LogVerifyCallerFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The refused-association hook failed")]
    private static partial void LogRefusalHookFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association ended: {Reason}")]
    private static partial void LogAssociationEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection ended: {Reason}")]
    private static partial void LogConnectionFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure serving an association")]
    private static partial void LogUnexpected(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} provider failed: {Error}")]
    private static partial void LogProviderFailed(ILogger logger, string operation, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "C-FIND answered with {Matches} matches: {Status}")]
    private static partial void LogFind(ILogger logger, int matches, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed SOP Instance UID List cut from {Total} to the {Listed} UIDs that fit one explicit VR value")]
    private static partial void LogFailedListCut(ILogger logger, int total, int listed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation}: {Completed} completed, {Failed} failed, {Warning} warnings: {Status}")]
    private static partial void LogRetrieve(ILogger logger, string operation, int completed, int failed, int warning, string status);
}
