using System.Net.Sockets;
using System.Security.Authentication;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Audit;

/// <summary>
/// Sends the audit trail to the syslog collector, in order, from where the collector's copy ends
/// (<see cref="AuditExportState"/>): while the collector is away nothing is lost, because nothing leaves the trail;
/// when it returns the backlog goes out oldest first. Checkpoints follow the event they vouch for. One node of many
/// holds the lease and sends; the others wait and take over if it stops.
/// </summary>
public sealed class SyslogAuditExporter(
    IDbContextFactory<ImagePortalDbContext> dbFactory, IOptions<AuditOptions> options, AuditExportSignal signal, TimeProvider clock,
    ILogger<SyslogAuditExporter> logger) : BackgroundService
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly SyslogMessage _format = SyslogMessage.ForThisProcess(options.Value.Syslog.Hostname);
    private SyslogTlsConnection? _connection;

    private SyslogExportOptions Settings => options.Value.Syslog;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Audit export to syslog {Host}:{Port} over TLS", Settings.Host, Settings.Port);
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan wait;
                try
                {
                    var sent = await SendNextBatchAsync(stoppingToken);
                    if (failures > 0)
                    {
                        logger.LogInformation("Audit export to {Host}:{Port} works again", Settings.Host, Settings.Port);
                    }

                    failures = 0;
                    wait = sent ? TimeSpan.Zero : Settings.PollInterval;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    await DropConnectionAsync();
                    var problem = Describe(ex);
                    await RecordErrorAsync(problem, stoppingToken);
                    wait = TimeSpan.FromTicks(Math.Min(Settings.MaxRetryInterval.Ticks, TimeSpan.FromSeconds(1).Ticks << Math.Min(failures - 1, 16)));
                    if (failures == 1)
                    {
                        logger.LogWarning("Audit export to {Host}:{Port} failed: {Problem}. Events wait in the database; retrying", Settings.Host, Settings.Port, problem);
                    }
                    else
                    {
                        logger.LogDebug(ex, "Audit export attempt {Attempt} failed: {Problem}", failures, problem);
                    }
                }

                if (wait > TimeSpan.Zero)
                {
                    await signal.WaitAsync(wait, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; whatever was not delivered stays in the trail for the next start.
        }
        finally
        {
            await DropConnectionAsync();
        }
    }

    /// <summary>Sends one batch; false when there was nothing to send (or another node holds the lease).</summary>
    internal async Task<bool> SendNextBatchAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (!await TryLeaseAsync(db, cancellationToken))
        {
            await DropConnectionAsync();
            return false;
        }

        var from = await db.AuditExports.Where(s => s.Name == AuditExportState.Syslog).Select(s => s.LastSequence).SingleAsync(cancellationToken);
        var events = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence > from).OrderBy(e => e.Sequence)
            .Take(Math.Max(1, Settings.BatchSize)).ToListAsync(cancellationToken);
        var through = events.Count > 0 ? events[^1].Sequence : from;
        var checkpoints = await db.AuditCheckpoints.Where(c => c.ExportedAt == null && c.Sequence <= through)
            .OrderBy(c => c.Sequence).ToListAsync(cancellationToken);
        if (events.Count == 0 && checkpoints.Count == 0)
        {
            return false;
        }

        var frames = new List<byte[]>(events.Count + checkpoints.Count);
        var pending = new Queue<Domain.Audit.AuditCheckpoint>(checkpoints);
        foreach (var auditEvent in events)
        {
            while (pending.TryPeek(out var due) && due.Sequence < auditEvent.Sequence)
            {
                frames.Add(_format.Frame(pending.Dequeue()));
            }

            frames.Add(_format.Frame(auditEvent, Settings.AuditSourceId, Settings.EnterpriseSiteId));
        }

        frames.AddRange(pending.Select(_format.Frame));

        if (_connection is { IsOpen: false })
        {
            await DropConnectionAsync();
        }

        _connection ??= await SyslogTlsConnection.OpenAsync(Settings, cancellationToken);
        await _connection.SendAsync(frames, cancellationToken);

        var now = clock.GetUtcNow();
        var kept = await db.AuditExports
            .Where(s => s.Name == AuditExportState.Syslog && s.LeaseOwner == _owner)
            .ExecuteUpdateAsync(set => set
                .SetProperty(s => s.LastSequence, through)
                .SetProperty(s => s.LastDeliveredAt, now)
                .SetProperty(s => s.LastError, (string?)null)
                .SetProperty(s => s.LastErrorAt, (DateTimeOffset?)null), cancellationToken);
        if (kept == 0)
        {
            // The lease was lost while sending (this node stalled); the new holder resends from the old cursor, and the
            // collector sees these events twice, recognisable by their sequence and id.
            logger.LogWarning("Lost the audit export lease while sending events up to {Sequence}", through);
            return false;
        }

        foreach (var checkpoint in checkpoints)
        {
            checkpoint.MarkExported(now);
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    private async Task<bool> TryLeaseAsync(ImagePortalDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.AuditExports.AnyAsync(s => s.Name == AuditExportState.Syslog, cancellationToken))
        {
            // Every node exporting creates the row the first time; one that comes second finds it there.
            await db.InsertUnlessPresentAsync(new AuditExportState(AuditExportState.Syslog), cancellationToken);
        }

        var now = clock.GetUtcNow();
        var until = now + Settings.LeaseDuration;
        return await db.AuditExports
            .Where(s => s.Name == AuditExportState.Syslog && (s.LeaseOwner == null || s.LeaseOwner == _owner || s.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(set => set.SetProperty(s => s.LeaseOwner, _owner).SetProperty(s => s.LeaseExpiresAt, until), cancellationToken) == 1;
    }

    private async Task RecordErrorAsync(string problem, CancellationToken cancellationToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var now = clock.GetUtcNow();
            await db.AuditExports.Where(s => s.Name == AuditExportState.Syslog && s.LeaseOwner == _owner)
                .ExecuteUpdateAsync(set => set.SetProperty(s => s.LastError, problem).SetProperty(s => s.LastErrorAt, now), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogDebug(ex, "Could not record the audit export's error");
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync();
        }
    }

    /// <summary>What an administrator reads on the audit page: what failed, in words, without a stack trace.</summary>
    private string Describe(Exception ex) => ex switch
    {
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } =>
            $"The syslog collector {Settings.Host}:{Settings.Port} refused the connection: is it running and listening on that port?",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } =>
            $"The syslog collector's name {Settings.Host} is not known (DNS).",
        SocketException socket => $"The syslog collector {Settings.Host}:{Settings.Port} cannot be reached: {NetworkErrors.Describe(socket)}.",
        AuthenticationException auth => $"TLS with the syslog collector failed: {auth.Message} {auth.InnerException?.Message}".Trim(),
        TimeoutException timeout => timeout.Message,
        IOException io => $"The connection to the syslog collector broke: {io.Message}",
        _ => ex.Message,
    };
}
