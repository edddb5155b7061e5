using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Pdu;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Dicom.Network.Server;

/// <summary>
/// The DICOM service provider host, serving C-ECHO, C-STORE, C-FIND, C-GET and C-MOVE through pluggable providers
/// (a provider left null means the service is not offered: its presentation contexts are rejected, abstract syntax
/// not supported). This class is the listener: it accepts connections within the per-address and total limits,
/// runs the TLS handshake and ARTIM, and lets the <see cref="AssociationPolicy"/> answer the A-ASSOCIATE-RQ; each
/// established association is then served by an <see cref="AssociationService"/>, which hands every request to
/// the service of its command (<see cref="EchoService"/>, <see cref="StoreService"/>, <see cref="FindService"/>,
/// <see cref="GetService"/>, <see cref="MoveService"/>).
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
    private AssociationPolicy? _policy;
    private long _nextConnectionId;
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
    public int ActiveAssociations => _policy?.ActiveAssociations ?? 0;

    /// <summary>Connections open, in whatever state (waiting for the A-ASSOCIATE-RQ, established, closing after a rejection).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public DicomServerOptions Options => _options;

    public void Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        // The providers are init-only: the services and the policy are built from them once, here.
        var services = new DimseServices(
            new EchoService(Echo),
            Store is null ? null : new StoreService(Store, _metrics),
            Find is null ? null : new FindService(Find),
            Get is null ? null : new GetService(Get, _options.MoveAssociation.ResponseTimeout, _metrics),
            Move is null ? null : new MoveService(Move, _options, _loggerFactory, _metrics));
        var policy = new AssociationPolicy(_options, services, Report, _logger);
        _policy = policy;
        var listener = new Socket(_options.BindAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(_options.BindAddress, _options.Port));
        listener.Listen(128);
        _listener = listener;
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        LogListening(_logger, _options.AeTitle, _options.BindAddress.ToString(), Port);
        _acceptLoop = AcceptLoopAsync(listener, policy, services, _stopping.Token);
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

    private async Task AcceptLoopAsync(Socket listener, AssociationPolicy policy, DimseServices services, CancellationToken stopping)
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

            // A connection takes no association slot until its A-ASSOCIATE-RQ arrives (AssociationPolicy.Decide); until then, and
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
            var task = ServeConnectionAsync(id, socket, address, policy, services, stopping);
            _connections[id] = task;
            _ = task.ContinueWith(_ => _connections.TryRemove(id, out Task? _), TaskScheduler.Default);
        }
    }

    /// <summary>Established associations, plus four times as many connections negotiating or closing.</summary>
    private int MaxOpenConnections => 5 * _options.MaxAssociations;

    private async Task ServeConnectionAsync(long id, Socket socket, IPAddress address, AssociationPolicy policy, DimseServices services, CancellationToken stopping)
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
                request => policy.Decide(request, address, new TransportFacts(overTls, presented), out permissions, out holdsSlot),
                logger,
                _metrics,
                artim.Token).ConfigureAwait(false);
            if (association is null)
            {
                // A rejected (or never requested) association holds no slot while its connection closes.
                policy.ReleaseSlot(ref holdsSlot);
                await LingerUntilPeerClosesAsync(socket, stream, stopping).ConfigureAwait(false);
                return;
            }

            await using (association.ConfigureAwait(false))
            {
                var service = new AssociationService(association, permissions, policy, services, _options.IdleTimeout, logger);
                await service.RunAsync(stopping).ConfigureAwait(false);
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
            policy.ReleaseSlot(ref holdsSlot);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "SCP {AeTitle} listening on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string aeTitle, string address, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accept failed: {Error}")]
    private static partial void LogAcceptFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from {Address} closed at once: it already has {Max} connections open")]
    private static partial void LogTooManyFromAddress(ILogger logger, string address, int max);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Connection from {Address} closed at once: {Max} connections already open")]
    private static partial void LogTooManyConnections(ILogger logger, string address, int max);

    [LoggerMessage(Level = LogLevel.Information, Message = "No A-ASSOCIATE-RQ from {Address} within {Timeout}; connection closed")]
    private static partial void LogArtimExpired(ILogger logger, string address, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "TLS connection from {Address} refused in the handshake: {Reason}")]
    private static partial void LogTlsRefused(ILogger logger, string address, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The refused-association hook failed")]
    private static partial void LogRefusalHookFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Association ended: {Reason}")]
    private static partial void LogAssociationEnded(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection ended: {Reason}")]
    private static partial void LogConnectionFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure serving an association")]
    private static partial void LogUnexpected(ILogger logger, Exception error);
}
