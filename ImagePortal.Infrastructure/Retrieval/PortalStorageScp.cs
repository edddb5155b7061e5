using System.Collections.Concurrent;
using System.Net;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Hands instances that arrive at the portal's Storage SCP (C-MOVE sub-operations) to the job that asked for them. A
/// job routes one source AE at a time in this process (<see cref="RouteAsync"/> waits for the previous move from the
/// same AE to end), so the calling AE title of an incoming association names the job without ambiguity. Instances
/// nobody asked for are refused.
/// </summary>
public sealed class MoveRouter(ILogger<MoveRouter> logger) : IDicomStoreProvider
{
    /// <summary>PS3.4 B.2.3: refused, not authorized (nobody in this process is moving from that AE).</summary>
    public static readonly DimseStatus NotExpected = DimseStatus.NotAuthorized;

    private readonly ConcurrentDictionary<string, IDicomStoreProvider> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    public async Task<IAsyncDisposable> RouteAsync(string sourceAeTitle, IDicomStoreProvider sink, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd(sourceAeTitle, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        _routes[sourceAeTitle] = sink;
        return new Route(() =>
        {
            _routes.TryRemove(sourceAeTitle, out _);
            gate.Release();
        });
    }

    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        if (_routes.TryGetValue(instance.CallingAeTitle, out var sink))
        {
            return await sink.StoreAsync(instance, cancellationToken);
        }

        logger.LogWarning("Refused an instance from {CallingAe}: no retrieval in this process is moving from that AE", instance.CallingAeTitle);
        await instance.DataSet.CopyToAsync(Stream.Null, cancellationToken);
        return NotExpected;
    }

    private sealed class Route(Action release) : IAsyncDisposable
    {
        private Action? _release = release;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _release, null)?.Invoke();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>
/// The portal's own Storage SCP (AE title and port from the administration page, by default <c>Dicom:AeTitle</c> on <c>Dicom:Port</c>): the C-MOVE destination of the retrieval
/// workers, so it runs only in the worker role. It listens on <c>Dicom:BindAddress</c> (loopback unless configured) and
/// admits the calling AEs of <c>Dicom:AllowedCallingAeTitles</c>, or when that is empty the AE titles of the network's
/// DICOM nodes as they were at start. Every association or connection it refuses is a security alert in the audit trail.
/// </summary>
public sealed class PortalStorageScp(
    IPortalDicomSettings portalIdentity,
    IOptions<PortalDicomOptions> options,
    IDbContextFactory<ImagePortalDbContext> dbFactory,
    MoveRouter router,
    ScpRefusalAudit refusals,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private DicomServer? _server;

    /// <summary>The port listened on (the configured one, or the one the OS picked for 0).</summary>
    public int Port => _server?.Port ?? 0;

    /// <summary>The address listened on, once started.</summary>
    public IPAddress? BindAddress => _server?.Options.BindAddress;

    /// <summary>
    /// The SCP's settings: identity from <paramref name="identity"/>, the rest from the <c>Dicom</c> section. A
    /// <c>Dicom:BindAddress</c> that is not an IP address fails here, at start, rather than listening somewhere unintended.
    /// </summary>
    internal static DicomServerOptions ServerOptions(
        PortalDicomIdentity identity, PortalDicomOptions options, IEnumerable<string> allowedCallingAeTitles, Action<AssociationRefusal>? onRefused = null)
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

        return new DicomServerOptions
        {
            AeTitle = identity.AeTitle,
            Port = identity.Port,
            BindAddress = bind,
            MaxConnectionsPerAddress = options.MaxConnectionsPerAddress,
            AssociationTimeout = options.AssociationRequestTimeout,
            AllowedCallingAeTitles = allowedCallingAeTitles.Distinct(StringComparer.Ordinal)
                .ToDictionary(ae => ae, _ => DicomPermissions.Echo | DicomPermissions.Store, StringComparer.Ordinal),
            OnAssociationRefused = onRefused,
        };
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The administrators' settings (database) over the Dicom section's defaults; a change takes effect at the next start.
        var settings = await portalIdentity.GetAsync(cancellationToken);
        IEnumerable<string> allowed = settings.AllowedCallingAeTitles;
        if (!allowed.Any())
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            allowed = await db.DicomNodes.AsNoTracking().Select(n => n.AeTitleValue).Distinct().ToListAsync(cancellationToken);
        }

        var server = new DicomServer(ServerOptions(settings, options.Value, allowed, refusals.Report), loggers)
        {
            Store = router,
        };
        refusals.Start();
        server.Start();
        _server = server;
        loggers.CreateLogger<PortalStorageScp>().LogInformation(
            "Storage SCP {AeTitle} listening on {Address}:{Port}", settings.AeTitle, server.Options.BindAddress, server.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }

        await refusals.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
