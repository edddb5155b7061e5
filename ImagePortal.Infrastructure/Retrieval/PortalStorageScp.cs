using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The portal's own Storage SCP (AE title and port from the administration page, by default <c>Dicom:AeTitle</c> on <c>Dicom:Port</c>): the C-MOVE destination of the retrieval
/// workers, so it runs only in the worker role. It listens on <c>Dicom:BindAddress</c> (loopback unless configured) and
/// admits the calling AEs of <c>Dicom:AllowedCallingAeTitles</c>, or when that is empty the AE titles of the network's
/// DICOM nodes. A node's AE title is admitted only from the node's host (<c>Dicom:CheckCallingAddress</c>, or the node's
/// own setting), and a node set to TLS only on the TLS listener (<c>Dicom:TlsPort</c>, once <c>Dicom:TlsCertificatePath</c>
/// is set) with a client certificate the configured authorities issued. Every association or connection it refuses is a
/// security alert in the audit trail.
/// </summary>
public sealed partial class PortalStorageScp(
    IPortalDicomSettings portalIdentity,
    IOptions<PortalDicomOptions> options,
    IDbContextFactory<ImagePortalDbContext> dbFactory,
    MoveRouter router,
    ScpRefusalAudit refusals,
    ILoggerFactory loggers,
    DicomNetworkMetrics metrics) : IHostedService, IAsyncDisposable
{
    /// <summary>How often the nodes and their host names are read again: a node's change counts within this.</summary>
    public static readonly TimeSpan CallerRefreshInterval = TimeSpan.FromMinutes(1);

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger = loggers.CreateLogger<PortalStorageScp>();
    private readonly CancellationTokenSource _stopping = new();
    private DicomServer? _server;
    private DicomServer? _tlsServer;
    private CallingAeBindings? _callers;
    private Task? _refresh;
    private int _refreshStopped;

    /// <summary>The port listened on (the configured one, or the one the OS picked for 0).</summary>
    public int Port => _server?.Port ?? 0;

    /// <summary>The TLS listener's port; 0 while there is none.</summary>
    public int TlsPort => _tlsServer?.Port ?? 0;

    /// <summary>The address listened on, once started.</summary>
    public IPAddress? BindAddress => _server?.Options.BindAddress;

    /// <summary>
    /// The SCP's settings: identity from <paramref name="identity"/>, the rest from the <c>Dicom</c> section. A
    /// <c>Dicom:BindAddress</c> that is not an IP address fails here, at start, rather than listening somewhere unintended.
    /// </summary>
    /// <param name="allowedCallingAeTitles">The configured list; empty leaves admission to <paramref name="verifyCaller"/> (the nodes).</param>
    internal static DicomServerOptions ServerOptions(
        PortalDicomIdentity identity,
        PortalDicomOptions options,
        IEnumerable<string> allowedCallingAeTitles,
        Action<AssociationRefusal>? onRefused = null,
        Func<AssociationCaller, CallerRefusal?>? verifyCaller = null)
    {
        if (!IPAddress.TryParse(options.BindAddress?.Trim(), out var bind))
        {
            throw new InvalidOperationException(
                $"Dicom:BindAddress '{options.BindAddress}' is not an IP address: use 127.0.0.1 (this machine only, the default), " +
                "0.0.0.0 (every interface) or the address of one interface.");
        }

        if (options.AssociationRequestTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"Dicom:AssociationRequestTimeout must be positive, not {options.AssociationRequestTimeout}.");
        }

        var allowed = allowedCallingAeTitles.Distinct(StringComparer.Ordinal).ToList();
        return new DicomServerOptions
        {
            AeTitle = identity.AeTitle,
            Port = identity.Port,
            BindAddress = bind,
            MaxConnectionsPerAddress = options.MaxConnectionsPerAddress,
            AssociationTimeout = options.AssociationRequestTimeout,
            AllowedCallingAeTitles = allowed.Count == 0
                ? null
                : allowed.ToDictionary(ae => ae, _ => DicomPermissions.Echo | DicomPermissions.Store, StringComparer.Ordinal),
            DefaultPermissions = DicomPermissions.Echo | DicomPermissions.Store,
            OnAssociationRefused = onRefused,
            VerifyCaller = verifyCaller,
        };
    }

    /// <summary>
    /// The TLS listener's settings: those of the plain one on <c>Dicom:TlsPort</c>, with the certificate, and a client
    /// certificate required that chains to <c>Dicom:TlsTrustedCaPath</c> (or the system's roots). A certificate or CA
    /// file that cannot be read fails start.
    /// </summary>
    internal static DicomServerOptions TlsServerOptions(DicomServerOptions plain, PortalDicomOptions options)
    {
        if (options.TlsPort is < 0 or > 65535 || (options.TlsPort != 0 && options.TlsPort == plain.Port))
        {
            throw new InvalidOperationException($"Dicom:TlsPort must be a port (1-65535) other than the plain port {plain.Port}, not {options.TlsPort}.");
        }

        return new DicomServerOptions
        {
            AeTitle = plain.AeTitle,
            Port = options.TlsPort,
            BindAddress = plain.BindAddress,
            MaxConnectionsPerAddress = plain.MaxConnectionsPerAddress,
            AssociationTimeout = plain.AssociationTimeout,
            AllowedCallingAeTitles = plain.AllowedCallingAeTitles,
            DefaultPermissions = plain.DefaultPermissions,
            OnAssociationRefused = plain.OnAssociationRefused,
            VerifyCaller = plain.VerifyCaller,
            TlsCertificate = DicomTlsFiles.LoadCertificate(options),
            RequireClientCertificate = true,
            ClientCertificateAuthorities = DicomTlsFiles.LoadAuthorities(options),
        };
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The administrators' settings (database) over the Dicom section's defaults; a change takes effect at the next start.
        var settings = await portalIdentity.GetAsync(cancellationToken);
        var callers = new CallingAeBindings(onlyNodes: settings.AllowedCallingAeTitles.Count == 0);
        _callers = callers;
        await RefreshCallersAsync(cancellationToken);
        var plain = ServerOptions(settings, options.Value, settings.AllowedCallingAeTitles, refusals.Report, callers.Check);
        var tls = string.IsNullOrWhiteSpace(options.Value.TlsCertificatePath) ? null : TlsServerOptions(plain, options.Value);
        var server = new DicomServer(plain, loggers, metrics) { Store = router };
        var tlsServer = tls is null ? null : new DicomServer(tls, loggers, metrics) { Store = router };
        refusals.Start();
        server.Start();
        _server = server;
        LogListening(_logger, settings.AeTitle, server.Options.BindAddress, server.Port);
        if (tlsServer is not null)
        {
            tlsServer.Start();
            _tlsServer = tlsServer;
            LogListeningTls(_logger, settings.AeTitle, tlsServer.Options.BindAddress, tlsServer.Port,
                tls!.ClientCertificateAuthorities is null ? "the system's trusted roots" : options.Value.TlsTrustedCaPath);
        }
        else if (callers.AnyRequiresTls)
        {
            LogNoTlsListener(_logger);
        }

        _refresh = RefreshLoopAsync(_stopping.Token);
    }

    /// <summary>Reads the nodes and resolves their host names again; what the SCP checks callers against from then on.</summary>
    public async Task RefreshCallersAsync(CancellationToken cancellationToken)
    {
        if (_callers is not { } callers)
        {
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // A DICOMweb node never associates with the Storage SCP: it has no AE title to admit.
        var nodes = await db.DicomNodes.AsNoTracking().Where(n => n.Protocol == NodeProtocol.Dimse).ToListAsync(cancellationToken);
        var bindings = new List<NodeBinding>(nodes.Count);
        foreach (var node in nodes)
        {
            bindings.Add(await NodeBinding.ForAsync(node, options.Value.CheckCallingAddress, ResolveAsync, cancellationToken));
        }

        callers.Replace(bindings);
        foreach (var unresolved in bindings.Where(b => b.CheckAddress && b.Addresses.Count == 0))
        {
            LogUnresolved(_logger, unresolved.NodeName, unresolved.Host);
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ResolveTimeout);
        try
        {
            return await Dns.GetHostAddressesAsync(host, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SocketException((int)SocketError.TimedOut);
        }
    }

    private async Task RefreshLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(CallerRefreshInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await RefreshCallersAsync(stopping);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    // The previous bindings stay in force; the next tick tries again.
                    LogRefreshFailed(_logger, error);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await StopRefreshingAsync();
        if (_server is not null)
        {
            await _server.StopAsync();
        }

        if (_tlsServer is not null)
        {
            await _tlsServer.StopAsync();
        }

        await refusals.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopRefreshingAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_tlsServer is not null)
        {
            await _tlsServer.DisposeAsync();
            _tlsServer.Options.TlsCertificate?.Dispose();
        }
    }

    /// <summary>Ends the refresh loop once; the host may dispose this service before it stops it (DemoJourneyTests' fixture saw it).</summary>
    private async Task StopRefreshingAsync()
    {
        if (Interlocked.Exchange(ref _refreshStopped, 1) == 0)
        {
            await _stopping.CancelAsync();
            if (_refresh is not null)
            {
                await _refresh;
            }

            _stopping.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage SCP {AeTitle} listening on {Address}:{Port}")]
    private static partial void LogListening(ILogger logger, string aeTitle, IPAddress address, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage SCP {AeTitle} listening for TLS on {Address}:{Port}, client certificates from {Trust}")]
    private static partial void LogListeningTls(ILogger logger, string aeTitle, IPAddress address, int port, string trust);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SECURITY: some DICOM nodes are set to TLS but Dicom:TlsCertificatePath is not set, so the Storage SCP has no TLS listener and refuses their associations")]
    private static partial void LogNoTlsListener(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DICOM node {Node}: host {Host} does not resolve; the Storage SCP refuses its AE title until it does")]
    private static partial void LogUnresolved(ILogger logger, string node, string host);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the DICOM nodes for the Storage SCP failed; the previous ones stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception error);
}
