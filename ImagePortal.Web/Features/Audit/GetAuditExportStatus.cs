using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// Where the syslog export stands: the collector, how many events wait for it (the backlog) and since when, the last
/// delivery and the last error in words. Counts and times only, no event content.
/// </summary>
[AuthorizeMessage(Roles.Auditor, Roles.NetworkAdmin)]
public sealed record GetAuditExportStatus : IQuery<Result<AuditExportStatus>>;

/// <param name="Collector">host:port, or null when the export is off.</param>
/// <param name="Backlog">Events not yet delivered.</param>
/// <param name="OldestWaiting">When the oldest undelivered event was written.</param>
/// <param name="ChainKeyId">The fingerprint of the key that seals new events.</param>
public sealed record AuditExportStatus(
    string? Collector, long Backlog, DateTimeOffset? OldestWaiting, long LastSequence, DateTimeOffset? LastDeliveredAt, string? LastError,
    DateTimeOffset? LastErrorAt, string ChainKeyId, CheckpointSummary? LastCheckpoint)
{
    public bool Enabled => Collector is not null;
}

public sealed record CheckpointSummary(long Sequence, DateTimeOffset At, bool Exported);

public sealed class GetAuditExportStatusHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, IOptions<AuditOptions> options, AuditKeyRing keys)
    : IQueryHandler<GetAuditExportStatus, Result<AuditExportStatus>>
{
    public async ValueTask<Result<AuditExportStatus>> Handle(GetAuditExportStatus query, CancellationToken cancellationToken)
    {
        var syslog = options.Value.Syslog;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var state = await db.AuditExports.AsNoTracking().SingleOrDefaultAsync(s => s.Name == AuditExportState.Syslog, cancellationToken);
        var last = state?.LastSequence ?? 0;
        var waiting = db.AuditEvents.AsNoTracking().Where(e => e.Sequence > last);
        var backlog = syslog.Enabled ? await waiting.LongCountAsync(cancellationToken) : 0;
        var oldest = backlog > 0 ? await waiting.OrderBy(e => e.Sequence).Select(e => (DateTimeOffset?)e.At).FirstOrDefaultAsync(cancellationToken) : null;
        var checkpoint = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence)
            .Select(c => new CheckpointSummary(c.Sequence, c.CreatedAt, c.ExportedAt != null)).FirstOrDefaultAsync(cancellationToken);
        return new AuditExportStatus(
            syslog.Enabled ? $"{syslog.Host}:{syslog.Port}" : null, backlog, oldest, last, state?.LastDeliveredAt, state?.LastError, state?.LastErrorAt,
            keys.Current.Id, checkpoint);
    }
}
