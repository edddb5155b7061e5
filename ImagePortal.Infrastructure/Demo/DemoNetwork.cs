using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ImagePortal.Dicom.Archive;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Demo;

/// <summary>One running demo PACS.</summary>
public sealed record DemoPacs(string FacilityCode, string AeTitle, int Port, string Folder, int Instances);

/// <summary>
/// Runs the demo network, so a first start shows the whole portal working without real PACS: for every facility node on
/// loopback, a DICOM SCP at the node's AE title and port serving a <see cref="FileStoreArchive"/> with C-FIND, C-MOVE,
/// C-GET and C-STORE. The first start generates the studies of <see cref="DemoCatalog"/>; later starts reuse the files.
/// C-MOVE destinations are every node in the database and the portal itself (<c>Dicom:AeTitle</c> at
/// 127.0.0.1:<c>Dicom:Port</c>). Generation runs in the background, so the web pages are up at once;
/// <see cref="Ready"/> tells when the PACS listen.
/// </summary>
public sealed partial class DemoNetwork(
    IOptions<DemoOptions> options,
    IDbContextFactory<ImagePortalDbContext> dbs,
    IConfiguration configuration,
    IHostEnvironment environment,
    ILoggerFactory loggers,
    DicomNetworkMetrics metrics) : BackgroundService
{
    /// <summary>Bumped when the generated content changes, so that older demo folders are regenerated.</summary>
    private const string GeneratedFolderName = "generated-v1";

    private readonly ILogger _logger = loggers.CreateLogger<DemoNetwork>();
    private readonly TaskCompletionSource<IReadOnlyList<DemoPacs>> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<DicomServer> _servers = [];

    public bool Enabled => options.Value.Enabled;

    /// <summary>Completes with the PACS that listen (empty when the demo is off), or faults when the demo could not start.</summary>
    public Task<IReadOnlyList<DemoPacs>> Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            _ready.TrySetResult([]);
            return;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var nodes = await LoadNodesAsync(stoppingToken);
            var root = Path.GetFullPath(options.Value.Folder, DataDirectory.Resolve(configuration, environment.ContentRootPath));
            var pacs = await Task.WhenAll(nodes.Select(node => Task.Run(() => Start(node, root), stoppingToken)));
            var running = pacs.OfType<DemoPacs>().ToList();
            LogStarted(_logger, running.Count, running.Sum(p => p.Instances), Stopwatch.GetElapsedTime(started).TotalSeconds);
            _ready.TrySetResult(running);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _ready.TrySetCanceled(stoppingToken);
        }
        catch (Exception error)
        {
            LogFailed(_logger, error);
            _ready.TrySetException(error);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        List<DicomServer> servers;
        lock (_servers)
        {
            servers = [.. _servers];
            _servers.Clear();
        }

        foreach (var server in servers)
        {
            await server.DisposeAsync();
        }
    }

    private async Task<List<(string FacilityCode, string FacilityName, string AeTitle, int Port)>> LoadNodesAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbs.CreateDbContextAsync(cancellationToken);
        var rows = await (
            from node in db.DicomNodes.AsNoTracking()
            join facility in db.Facilities.AsNoTracking() on node.FacilityId equals facility.Id
            where facility.IsActive && node.Protocol == NodeProtocol.Dimse
            select new { facility.Code, facility.Name, node.AeTitleValue, node.Host, node.Port }).ToListAsync(cancellationToken);
        return rows.Where(r => IsLoopback(r.Host)).Select(r => (r.Code, r.Name, r.AeTitleValue, r.Port)).ToList();
    }

    private DemoPacs? Start((string FacilityCode, string FacilityName, string AeTitle, int Port) node, string root)
    {
        // The folder is named after the AE title with anything but letters, digits, '-' and '_' replaced, so an
        // AE title can never point outside the demo folder (RELIABILITY_CHECKLIST 14).
        var folder = Path.Combine(root, new string(node.AeTitle.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()));
        var generated = Path.Combine(folder, GeneratedFolderName);
        if (!Directory.Exists(generated))
        {
            var started = Stopwatch.GetTimestamp();
            var temporary = generated + ".tmp";
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            var files = DemoDataGenerator.Generate(temporary, node.FacilityCode, node.FacilityName, DemoCatalog.StudiesOf(node.FacilityCode));
            // Renamed only when complete: an interrupted first start generates again rather than serving half a study.
            Directory.Move(temporary, generated);
            LogGenerated(_logger, files, node.AeTitle, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }

        var archive = FileStoreArchive.Open(folder, node.AeTitle, ResolveDestination, loggers.CreateLogger<FileStoreArchive>());
        var server = new DicomServer(
            // On loopback every caller is the portal itself (its workers, look-ups and Test connection at once), or a
            // person's DCMTK tool: the per-address limit that keeps one remote host from taking every slot does not apply.
            new DicomServerOptions { AeTitle = node.AeTitle, BindAddress = IPAddress.Loopback, Port = node.Port, MaxConnectionsPerAddress = 16 },
            loggers,
            metrics)
        {
            Store = archive,
            Find = archive,
            Get = archive,
            Move = archive,
        };
        try
        {
            server.Start();
        }
        catch (SocketException error)
        {
            // Another program holds the port (a second portal, a real PACS): the rest of the demo still runs.
            LogPortTaken(_logger, node.AeTitle, node.Port, error.Message);
            return null;
        }

        lock (_servers)
        {
            _servers.Add(server);
        }

        return new DemoPacs(node.FacilityCode, node.AeTitle, server.Port, folder, archive.InstanceCount);
    }

    /// <summary>C-MOVE destinations: the portal's own Storage SCP, and every node the administrators registered.</summary>
    private DicomDestination? ResolveDestination(string aeTitle)
    {
        var portalAe = configuration["Dicom:AeTitle"] is { Length: > 0 } configured ? configured : "IMAGEPORTAL";
        if (string.Equals(aeTitle, portalAe, StringComparison.Ordinal))
        {
            return new DicomDestination(portalAe, "127.0.0.1", configuration.GetValue("Dicom:Port", 11110));
        }

        using var db = dbs.CreateDbContext();
        var node = db.DicomNodes.AsNoTracking().Where(n => n.Protocol == NodeProtocol.Dimse && n.AeTitleValue == aeTitle).Select(n => new { n.AeTitleValue, n.Host, n.Port }).FirstOrDefault();
        return node is null ? null : new DicomDestination(node.AeTitleValue, node.Host, node.Port);
    }

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo network: {Count} demo PACS listening with {Instances} instances, ready in {Seconds:0.0} s")]
    private static partial void LogStarted(ILogger logger, int count, int instances, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo network: generated {Files} files for {AeTitle} in {Seconds:0.0} s")]
    private static partial void LogGenerated(ILogger logger, int files, string aeTitle, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo network: {AeTitle} cannot listen on port {Port}: {Error}")]
    private static partial void LogPortTaken(ILogger logger, string aeTitle, int port, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Demo network could not start")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
