// Over 400 lines: the listener, association policy, dispatch and every service in one class; splitting it into a
// listener and one file per service is the structure work planned next, kept apart from behaviour changes.

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
    private readonly DicomNetworkMetrics _metrics;
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
        AeTitle.Validate(options.AeTitle, nameof(options.AeTitle));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAssociations, 1, nameof(options.MaxAssociations));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnectionsPerAddress, 1, nameof(options.MaxConnectionsPerAddress));
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<DicomServer>();
        _metrics = metrics ?? DicomNetworkMetrics.Default;
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

    private AssociationDecision Decide(AssociateRequest request, IPAddress address, TransportFacts transport, out DicomPermissions permissions, out bool holdsSlot)
    {
        permissions = DicomPermissions.None;
        holdsSlot = false;
        AssociationDecision Refuse(AssociationRefusalReason why, RejectResult result, RejectSource source, RejectReason reason, string? detail = null)
        {
            Report(new AssociationRefusal(why, address, request.CallingAeTitle, request.CalledAeTitle, detail));
            return AssociationDecision.Rejected(result, source, (byte)reason);
        }

        if (_options.CheckCalledAeTitle && !string.Equals(request.CalledAeTitle, _options.AeTitle, StringComparison.Ordinal))
        {
            return Refuse(AssociationRefusalReason.CalledAeTitleNotRecognized, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeTitleNotRecognized);
        }

        if (_options.AllowedCallingAeTitles is { } allowed)
        {
            if (!allowed.TryGetValue(request.CallingAeTitle, out permissions))
            {
                return Refuse(AssociationRefusalReason.CallingAeTitleNotRecognized, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized);
            }
        }
        else
        {
            permissions = _options.DefaultPermissions;
        }

        if (VerifyCaller(request.CallingAeTitle, address, transport) is { } refused)
        {
            // PS3.8 9.3.4 has no reason for "right AE, wrong host or transport": reason 3 tells the peer no more than it knows.
            permissions = DicomPermissions.None;
            return Refuse(refused.Reason, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeTitleNotRecognized, refused.Detail);
        }

        // The slot is taken only for an association we would accept; it is given back when it ends.
        if (Interlocked.Increment(ref _active) > _options.MaxAssociations)
        {
            Interlocked.Decrement(ref _active);
            LogLimit(_logger, request.CallingAeTitle, _options.MaxAssociations);
            return Refuse(AssociationRefusalReason.TooManyAssociations, RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.PresentationLocalLimitExceeded);
        }

        holdsSlot = true;
        var granted = permissions;
        var answers = DicomAssociation.AnswerProposals(request, abstractSyntax => TransferSyntaxesFor(abstractSyntax, granted));
        var accepted = request.PresentationContexts
            .Where(p => answers.Any(a => a.Id == p.Id && a.Result == PresentationContextResult.Acceptance))
            .Select(p => p.AbstractSyntax)
            .ToHashSet(StringComparer.Ordinal);

        // PS3.7 D.3.3.4: answer each role selection for an accepted SOP class. The requestor may act as
        // SCP of storage (C-GET sub-operations come back to it) only when it may use C-GET.
        var roles = request.UserInformation.RoleSelections
            .Where(r => accepted.Contains(r.SopClassUid))
            .Select(r => new RoleSelection(r.SopClassUid, r.ScuRole, r.ScpRole && granted.HasFlag(DicomPermissions.Get) && Get is not null))
            .ToList();
        return AssociationDecision.Accepted(answers, roles);
    }

    private CallerRefusal? VerifyCaller(string callingAeTitle, IPAddress address, TransportFacts transport)
    {
        if (_options.VerifyCaller is not { } verify)
        {
            return null;
        }

        try
        {
            return verify(new AssociationCaller(callingAeTitle, address, transport.OverTls, transport.ClientCertificate));
        }
        catch (Exception error)
        {
            LogVerifyCallerFailed(_logger, error);
            return new CallerRefusal(AssociationRefusalReason.CallingAeTitleNotRecognized, "the caller could not be checked");
        }
    }

    /// <summary>How the connection arrived, for <see cref="DicomServerOptions.VerifyCaller"/>.</summary>
    private readonly record struct TransportFacts(bool OverTls, X509Certificate2? ClientCertificate);

    private IReadOnlyList<string>? TransferSyntaxesFor(string abstractSyntax, DicomPermissions permissions)
    {
        bool May(DicomPermissions needed, object? provider) => permissions.HasFlag(needed) && provider is not null;

        return abstractSyntax switch
        {
            DicomNetworkUids.Verification when permissions.HasFlag(DicomPermissions.Echo) => _options.TransferSyntaxes,
            DicomNetworkUids.PatientRootFind or DicomNetworkUids.StudyRootFind when May(DicomPermissions.Find, Find) => _options.TransferSyntaxes,
            DicomNetworkUids.PatientRootMove or DicomNetworkUids.StudyRootMove when May(DicomPermissions.Move, Move) => _options.TransferSyntaxes,
            DicomNetworkUids.PatientRootGet or DicomNetworkUids.StudyRootGet when May(DicomPermissions.Get, Get) => _options.TransferSyntaxes,
            // A storage SCP writes the data set as it comes, so any transfer syntax will do unless the options say
            // otherwise; C-GET sub-operations use these contexts the other way round.
            _ when IsStorage(abstractSyntax) && (May(DicomPermissions.Store, Store) || May(DicomPermissions.Get, Get)) => _options.StorageTransferSyntaxes ?? ["*"],
            _ => null,
        };
    }

    /// <summary>A request is served only on a context of its own service that this caller may use.</summary>
    private bool IsAllowedOn(DimseCommandField field, string abstractSyntax, DicomPermissions permissions) => field switch
    {
        DimseCommandField.CEchoRequest => abstractSyntax == DicomNetworkUids.Verification && permissions.HasFlag(DicomPermissions.Echo),
        DimseCommandField.CStoreRequest => IsStorage(abstractSyntax) && permissions.HasFlag(DicomPermissions.Store),
        DimseCommandField.CFindRequest => abstractSyntax is DicomNetworkUids.PatientRootFind or DicomNetworkUids.StudyRootFind && permissions.HasFlag(DicomPermissions.Find),
        DimseCommandField.CMoveRequest => abstractSyntax is DicomNetworkUids.PatientRootMove or DicomNetworkUids.StudyRootMove && permissions.HasFlag(DicomPermissions.Move),
        DimseCommandField.CGetRequest => abstractSyntax is DicomNetworkUids.PatientRootGet or DicomNetworkUids.StudyRootGet && permissions.HasFlag(DicomPermissions.Get),
        _ => true,
    };

    private bool IsStorage(string abstractSyntax) =>
        abstractSyntax.StartsWith("1.2.840.10008.5.1.4.1.1.", StringComparison.Ordinal) || _options.ExtraStorageSopClasses.Contains(abstractSyntax);

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
                    await HandleStoreAsync(association, message, logger, stopping).ConfigureAwait(false);
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

    private async Task HandleStoreAsync(DicomAssociation association, DimseMessage message, ILogger logger, CancellationToken stopping)
    {
        var command = message.Command;
        var status = DimseStatus.Success;
        string? comment = null;
        if (message.DataSet is null || string.IsNullOrEmpty(command.AffectedSopInstanceUid) || command.AffectedSopClassUid != message.PresentationContext.AbstractSyntax)
        {
            // PS3.4 B.2.3: A900 "data set does not match SOP class"; the command does not describe it.
            status = DimseStatus.IdentifierDoesNotMatchSopClass;
            comment = "Affected SOP Class/Instance UID missing or not matching the presentation context";
        }
        else
        {
            var instance = new ReceivedInstance(
                command.AffectedSopClassUid!,
                command.AffectedSopInstanceUid!,
                message.PresentationContext.TransferSyntax,
                association.CallingAeTitle,
                association.CalledAeTitle,
                message.DataSet);
            try
            {
                status = await Store!.StoreAsync(instance, stopping).ConfigureAwait(false);
                _metrics.InstanceReceived();
                LogStored(logger, command.AffectedSopInstanceUid!, status.ToString());
            }
            catch (Exception error) when (StoreProviderFailure.IsAnsweredWithAStatus(error, association, stopping))
            {
                (status, comment) = StoreProviderFailure.Answer(error);
                LogStoreFailed(logger, command.AffectedSopInstanceUid!, status.ToString(), error);
            }
        }

        if (message.DataSet is { } rest)
        {
            await rest.CopyToAsync(Stream.Null, stopping).ConfigureAwait(false);
        }

        var response = NewResponse(message, status, comment);
        response.AffectedSopInstanceUid = command.AffectedSopInstanceUid;
        await association.SendMessageAsync(message.PresentationContext.Id, response, null, stopping).ConfigureAwait(false);
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
        var destination = AeTitle.IsValid(destinationAe) ? Move!.ResolveDestination(destinationAe) : null;
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
        return new MemoryStream(Client.DicomClientAssociation.Encode(identifier, syntax), writable: false);
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

        _metrics.InstanceSent();
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

    private static async Task<byte[]> ReadIdentifierAsync(DimseMessage message, CancellationToken cancellationToken)
    {
        if (message.DataSet is null)
        {
            return [];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await message.DataSet.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > Client.DicomClientAssociation.MaxIdentifierLength)
            {
                throw new DicomProtocolException("An identifier above 16 MiB.", AbortReason.InvalidPduParameterValue);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {SopInstanceUid}: {Status}")]
    private static partial void LogStored(ILogger logger, string sopInstanceUid, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {SopInstanceUid} failed, answered {Status}; the association goes on")]
    private static partial void LogStoreFailed(ILogger logger, string sopInstanceUid, string status, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} provider failed: {Error}")]
    private static partial void LogProviderFailed(ILogger logger, string operation, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "C-FIND answered with {Matches} matches: {Status}")]
    private static partial void LogFind(ILogger logger, int matches, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed SOP Instance UID List cut from {Total} to the {Listed} UIDs that fit one explicit VR value")]
    private static partial void LogFailedListCut(ILogger logger, int total, int listed);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation}: {Completed} completed, {Failed} failed, {Warning} warnings: {Status}")]
    private static partial void LogRetrieve(ILogger logger, string operation, int completed, int failed, int warning, string status);
}
