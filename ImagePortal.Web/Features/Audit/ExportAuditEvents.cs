using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// Streams every event the filter selects, in the auditor's scope and newest first, as CSV into
/// <paramref name="Destination"/> (the HTTP response). There is no cap: the events are read in batches of
/// <see cref="AuditOptions.ExportBatchSize"/>, each keyed on the sequence number below the last one written and written
/// out before the next is read, so the download starts at once and memory stays flat at any size (an earlier
/// export stopped silently after the oldest 100,000). The export is itself audited: who, which filter, how many rows.
/// </summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record ExportAuditEvents(AuditFilter Filter, Stream Destination) : ICommand<Result<CsvExport>>;

/// <param name="Truncated">True when more rows matched than an export may hold.</param>
public sealed record CsvExport(int Rows, bool Truncated);

public sealed class ExportAuditEventsValidator : IValidator<ExportAuditEvents>
{
    public IEnumerable<string> Validate(ExportAuditEvents message) => AuditQueries.Validate(message.Filter);
}

public sealed class ExportAuditEventsHandler(
    IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, IAuditTrail audit, IOptions<AuditOptions> options)
    : ICommandHandler<ExportAuditEvents, Result<CsvExport>>
{
    public static readonly string[] Header =
    [
        "Sequence", "Id", "At (UTC)", "Type", "Action", "Outcome", "User id", "User name", "Facility", "Address", "Patient id",
        "Object", "Description", "Previous hash", "Hash",
    ];

    public async ValueTask<Result<CsvExport>> Handle(ExportAuditEvents command, CancellationToken cancellationToken)
    {
        var batchSize = Math.Max(1, options.Value.ExportBatchSize);
        Dictionary<Guid, string> codes;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            codes = await db.Facilities.AsNoTracking().ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
        }

        var rows = 0;
        await using (var csv = new CsvWriter(command.Destination))
        {
            await csv.WriteRowAsync(Header, cancellationToken);
            await csv.FlushAsync(cancellationToken);
            var before = long.MaxValue;
            while (true)
            {
                // A short-lived context per batch: no read held open for the whole download (on SQLite that would keep
                // the write-ahead log from being checkpointed while an auditor downloads ten years of events).
                List<AuditEvent> batch;
                await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
                {
                    var cursor = before;
                    batch = await AuditQueries.Apply(AuditQueries.Scope(db.AuditEvents.AsNoTracking(), user), command.Filter)
                        .Where(e => e.Sequence < cursor)
                        .OrderByDescending(e => e.Sequence)
                        .Take(batchSize)
                        .ToListAsync(cancellationToken);
                }

                foreach (var e in batch)
                {
                    var row = AuditQueries.ToRow(e, codes);
                    await csv.WriteRowAsync(
                        [row.Sequence, row.Id, row.At, row.Type, row.Action, row.Outcome, row.UserId, row.UserName, row.Facility, row.Address,
                            row.PatientId, row.ObjectReference, row.Description, row.PreviousHash, row.Hash],
                        cancellationToken);
                }

                rows += batch.Count;
                await csv.FlushAsync(cancellationToken);
                if (batch.Count < batchSize)
                {
                    break;
                }

                before = batch[^1].Sequence;
            }
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success,
                $"Audit trail exported as CSV: {rows} events, newest first; {AuditQueries.Describe(command.Filter)}",
                PatientId: AuditQueries.Clean(command.Filter.PatientId)),
            cancellationToken);
        return new CsvExport(rows, Truncated: false);
    }
}
