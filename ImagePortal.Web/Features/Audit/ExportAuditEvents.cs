using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// Streams the events the filter selects, in the auditor's scope and oldest first, as CSV into
/// <paramref name="Destination"/> (the HTTP response), at most <see cref="ExportAuditEventsHandler.MaxRows"/> rows. The
/// export is itself audited: who, which filter, how many rows.
/// </summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record ExportAuditEvents(AuditFilter Filter, Stream Destination) : ICommand<Result<CsvExport>>;

/// <param name="Truncated">True when more rows matched than an export may hold.</param>
public sealed record CsvExport(int Rows, bool Truncated);

public sealed class ExportAuditEventsValidator : IValidator<ExportAuditEvents>
{
    public IEnumerable<string> Validate(ExportAuditEvents message) => AuditQueries.Validate(message.Filter);
}

public sealed class ExportAuditEventsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, IAuditTrail audit)
    : ICommandHandler<ExportAuditEvents, Result<CsvExport>>
{
    public const int MaxRows = 100_000;

    public static readonly string[] Header =
    [
        "Sequence", "Id", "At (UTC)", "Type", "Action", "Outcome", "User id", "User name", "Facility", "Address", "Patient id",
        "Object", "Description", "Previous hash", "Hash",
    ];

    public async ValueTask<Result<CsvExport>> Handle(ExportAuditEvents command, CancellationToken cancellationToken)
    {
        var rows = 0;
        var truncated = false;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var codes = await db.Facilities.AsNoTracking().ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
            var events = AuditQueries.Apply(AuditQueries.Scope(db.AuditEvents.AsNoTracking(), user), command.Filter)
                .OrderBy(e => e.Sequence)
                .Take(MaxRows + 1)
                .AsAsyncEnumerable();
            await using var csv = new CsvWriter(command.Destination);
            await csv.WriteRowAsync(Header, cancellationToken);
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                if (rows == MaxRows)
                {
                    truncated = true;
                    break;
                }

                var row = AuditQueries.ToRow(e, codes);
                await csv.WriteRowAsync(
                    [row.Sequence, row.Id, row.At, row.Type, row.Action, row.Outcome, row.UserId, row.UserName, row.Facility, row.Address,
                        row.PatientId, row.ObjectReference, row.Description, row.PreviousHash, row.Hash],
                    cancellationToken);
                rows++;
            }

            await csv.FlushAsync(cancellationToken);
        }

        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success,
                $"Audit trail exported as CSV: {rows} events{(truncated ? $" (cut at {MaxRows})" : string.Empty)}; {AuditQueries.Describe(command.Filter)}",
                PatientId: AuditQueries.Clean(command.Filter.PatientId)),
            cancellationToken);
        return new CsvExport(rows, truncated);
    }
}
