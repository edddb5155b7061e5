using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Web.Features.Common;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// The audit trail for an auditor, newest first, filtered on the server and paged by sequence number (keyset): every
/// event for a network-wide auditor, only events of their own facility's users for a facility auditor. A page is the
/// <paramref name="PageSize"/> events just older than <paramref name="Before"/> (or the newest, when neither key is
/// given), or just newer than <paramref name="After"/>. There is no total: counting a million-event trail on every page
/// cost more than the page itself, and "skip N" reads the N skipped rows; a key reads only the page. Each
/// query is itself audited, with its filter.
/// </summary>
[AuthorizeMessage(Roles.Auditor)]
public sealed record ListAuditEvents(AuditFilter Filter, int PageSize, long? Before = null, long? After = null) : IQuery<Result<AuditPage>>;

/// <summary>One page of the trail, newest first, and whether there is more on either side of it.</summary>
public sealed record AuditPage(IReadOnlyList<AuditEventRow> Items, bool HasOlder, bool HasNewer);

/// <param name="From">First day (UTC) to include.</param>
/// <param name="To">Last day (UTC) to include.</param>
/// <param name="UserName">Part of the acting user's name.</param>
/// <param name="PatientId">The patient's ID (MRN), exactly.</param>
/// <param name="RequestNumber">What the event was about (a request number), exactly.</param>
/// <param name="Text">Part of the description.</param>
public sealed record AuditFilter(
    DateOnly? From = null, DateOnly? To = null, AuditEventType? Type = null, AuditOutcome? Outcome = null, string? UserName = null,
    string? PatientId = null, string? RequestNumber = null, string? Text = null);

/// <summary>Every stored field of one event, and the acting user's facility code.</summary>
public sealed record AuditEventRow(
    long Sequence, Guid Id, DateTimeOffset At, AuditEventType Type, AuditAction Action, AuditOutcome Outcome, string? UserId,
    string? UserName, string? Facility, string? Address, string? PatientId, string? ObjectReference, string Description,
    string PreviousHash, string Hash);

public sealed class ListAuditEventsValidator : IValidator<ListAuditEvents>
{
    public IEnumerable<string> Validate(ListAuditEvents message)
    {
        var problems = Paging.Validate(0, message.PageSize).Concat(AuditQueries.Validate(message.Filter));
        return message.Before is < 1 || message.After is < 0 || message.Before is not null && message.After is not null
            ? problems.Append("A page starts before one event or after one, not both.")
            : problems;
    }
}

public sealed class ListAuditEventsHandler(IDbContextFactory<ImagePortalDbContext> dbFactory, ICurrentUser user, IAuditTrail audit)
    : IQueryHandler<ListAuditEvents, Result<AuditPage>>
{
    public async ValueTask<Result<AuditPage>> Handle(ListAuditEvents query, CancellationToken cancellationToken)
    {
        AuditPage page;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var scoped = AuditQueries.Scope(db.AuditEvents.AsNoTracking(), user);
            var events = AuditQueries.Apply(scoped, query.Filter);

            // One row past the page says whether there is more on that side, without counting the rest.
            List<AuditEvent> found;
            bool hasOlder, hasNewer;
            if (query.After is { } after)
            {
                found = AuditQueries.HasDates(query.Filter)
                    ? await AuditQueries.DatedPageAsync(db, scoped, query.Filter, after, newer: true, query.PageSize + 1, cancellationToken)
                    : await events.Where(e => e.Sequence > after).OrderBy(e => e.Sequence).Take(query.PageSize + 1).ToListAsync(cancellationToken);
                hasNewer = found.Count > query.PageSize;
                found = found.Take(query.PageSize).Reverse().ToList();
                hasOlder = true;
            }
            else
            {
                var before = query.Before ?? long.MaxValue;
                found = AuditQueries.HasDates(query.Filter)
                    ? await AuditQueries.DatedPageAsync(db, scoped, query.Filter, before, newer: false, query.PageSize + 1, cancellationToken)
                    : await events.Where(e => e.Sequence < before).OrderByDescending(e => e.Sequence).Take(query.PageSize + 1).ToListAsync(cancellationToken);
                hasOlder = found.Count > query.PageSize;
                found = found.Take(query.PageSize).ToList();
                hasNewer = query.Before is not null;
            }

            var codes = await AuditQueries.FacilityCodesAsync(db, found.Select(e => e.FacilityId), cancellationToken);
            page = new AuditPage(found.Select(e => AuditQueries.ToRow(e, codes)).ToList(), hasOlder, hasNewer);
        }

        // Who looked at the trail, with which filter, is itself audited: one event per query the auditor asks for (a
        // filter or a page), not per render. A search by patient is an access to that patient's data (PS3.15 A.5.3.2 Query).
        var patientId = AuditQueries.Clean(query.Filter.PatientId);
        var which = (query.Before, query.After) switch
        {
            ({ } before, _) => $"events before #{before}",
            (_, { } after) => $"events after #{after}",
            _ => "newest events",
        };
        var shown = page.Items.Count == 0 ? "none" : $"#{page.Items[^1].Sequence} to #{page.Items[0].Sequence}";
        await audit.RecordAsync(
            new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success,
                $"Audit trail viewed{(patientId is null ? string.Empty : ", searched by patient")}: {AuditQueries.Describe(query.Filter)}; " +
                $"{which}, {page.Items.Count} shown ({shown})",
                PatientId: patientId),
            cancellationToken);

        return page;
    }
}

/// <summary>The filter, scope and row shape shared by the list and the export.</summary>
internal static class AuditQueries
{
    public static IEnumerable<string> Validate(AuditFilter filter)
    {
        if (filter.From is { } from && filter.To is { } to && from > to)
        {
            yield return "The date range ends before it starts.";
        }

        if (filter.Type is { } type && !Enum.IsDefined(type) || filter.Outcome is { } outcome && !Enum.IsDefined(outcome))
        {
            yield return "Unknown event type or outcome.";
        }

        if (filter.UserName is { Length: > 256 } || filter.PatientId is { Length: > 64 } || filter.RequestNumber is { Length: > 128 } ||
            filter.Text is { Length: > 200 })
        {
            yield return "A search field is too long.";
        }
    }

    /// <summary>A facility auditor sees the events of their facility's users; a network-wide auditor sees every event.</summary>
    public static IQueryable<AuditEvent> Scope(IQueryable<AuditEvent> events, ICurrentUser user)
    {
        var facilityId = user.FacilityId;
        return facilityId is null ? events : events.Where(e => e.FacilityId == facilityId);
    }

    public static IQueryable<AuditEvent> Apply(IQueryable<AuditEvent> events, AuditFilter filter)
    {
        var (start, end) = Dates(filter);
        if (start is { } from)
        {
            events = events.Where(e => e.At >= from);
        }

        if (end is { } to)
        {
            events = events.Where(e => e.At < to);
        }

        return ApplyUndated(events, filter);
    }

    public static bool HasDates(AuditFilter filter) => filter.From is not null || filter.To is not null;

    /// <summary>The filter's days as instants: from the start of <c>From</c> (UTC) to the start of the day after <c>To</c>.</summary>
    private static (DateTimeOffset? Start, DateTimeOffset? End) Dates(AuditFilter filter) => (
        filter.From is { } from ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
        filter.To is { } to ? new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);

    /// <summary>Sequence numbers that <see cref="DatedPageAsync"/> looks through first, next to the page's key.</summary>
    internal const int DatedWindow = 1000;

    /// <summary>
    /// A page of a date-range filter: the <paramref name="take"/> events of the range just older than
    /// <paramref name="key"/> (newest first), or just newer (<paramref name="newer"/>, oldest first), exactly as ordering
    /// the filtered trail by sequence would give them. Ordering a range by sequence read and sorted every event in it
    /// (0.9 s for a year of a million-event trail), because an event's time does not follow its sequence
    /// exactly (nodes' clocks differ). So first the <see cref="DatedWindow"/> sequence numbers next to the key are read
    /// by primary key, their times compared here: when the range fills the page there (a range that reaches the key, as
    /// "the last twelve months" does on its first page), no event outside the window can come before them. A range
    /// that ends in the past does not fill it there: then the window moves down to the largest sequence number that can
    /// hold an event dated before the range's end (<see cref="AuditSequenceBound"/>, from the checkpoints), which no
    /// event of the range is numbered above, and is read again. Otherwise the range's sequence numbers are sorted from
    /// the time index alone, without reading the events, and only the page's events are read.
    /// </summary>
    public static async Task<List<AuditEvent>> DatedPageAsync(
        ImagePortalDbContext db, IQueryable<AuditEvent> scoped, AuditFilter filter, long key, bool newer, int take, CancellationToken cancellationToken,
        int window = DatedWindow)
    {
        var (start, end) = Dates(filter);
        var undated = ApplyUndated(scoped, filter);
        long low, high; // the window, inclusive
        if (newer)
        {
            low = key + 1;
            high = key + window;
        }
        else
        {
            high = Math.Min(key - 1, await db.AuditEvents.MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0);
            low = high - window + 1;
        }

        var sequences = await InRangeAsync(low, high);
        var complete = newer
            ? high >= (await db.AuditEvents.MaxAsync(e => (long?)e.Sequence, cancellationToken) ?? 0)
            : low <= 1;
        if (sequences.Count < take && !complete && end is { } before)
        {
            // A range that ends before the window: no event of the range is numbered above the bound (see
            // AuditSequenceBound), so the window moves down to it; going newer, a window past it holds all there is.
            var bound = await AuditSequenceBound.BeforeAsync(db, before, cancellationToken);
            if (newer)
            {
                complete = high >= bound;
            }
            else if (bound < low)
            {
                high = bound;
                low = high - window + 1;
                sequences = await InRangeAsync(low, high);
                complete = low <= 1;
            }
        }

        if (sequences.Count < take && !complete)
        {
            sequences = await DatedSequences(Apply(scoped, filter), key, newer).Take(take).ToListAsync(cancellationToken);
        }

        var page = await db.AuditEvents.AsNoTracking().Where(e => sequences.Contains(e.Sequence)).ToListAsync(cancellationToken);
        return newer ? page.OrderBy(e => e.Sequence).ToList() : page.OrderByDescending(e => e.Sequence).ToList();

        // The range's sequence numbers among low to high, the page's first ones first.
        async Task<List<long>> InRangeAsync(long from, long to)
        {
            var near = await Near(undated, from, to).ToListAsync(cancellationToken);
            var inRange = near.Where(e => (start is null || e.At >= start) && (end is null || e.At < end)).Select(e => e.Sequence);
            return (newer ? inRange.Order() : inRange.OrderDescending()).Take(take).ToList();
        }
    }

    /// <summary>The sequence numbers and times of the events numbered <paramref name="low"/> to <paramref name="high"/>.</summary>
    internal static IQueryable<SequenceAt> Near(IQueryable<AuditEvent> events, long low, long high) =>
        events.Where(e => e.Sequence >= low && e.Sequence <= high).Select(e => new SequenceAt(e.Sequence, e.At));

    internal sealed record SequenceAt(long Sequence, DateTimeOffset At);

    /// <summary>The sequence numbers of <paramref name="dated"/> past <paramref name="key"/> in the page's direction.</summary>
    internal static IQueryable<long> DatedSequences(IQueryable<AuditEvent> dated, long key, bool newer) => newer
        ? dated.Where(e => e.Sequence > key).OrderBy(e => e.Sequence).Select(e => e.Sequence)
        : dated.Where(e => e.Sequence < key).OrderByDescending(e => e.Sequence).Select(e => e.Sequence);

    /// <summary>Every part of the filter but its dates.</summary>
    private static IQueryable<AuditEvent> ApplyUndated(IQueryable<AuditEvent> events, AuditFilter filter)
    {
        if (filter.Type is { } type)
        {
            events = events.Where(e => e.Type == type);
        }

        if (filter.Outcome is { } outcome)
        {
            events = events.Where(e => e.Outcome == outcome);
        }

        if (Clean(filter.UserName) is { } userName)
        {
            var pattern = Like(userName);
            events = events.Where(e => EF.Functions.Like(e.UserName, pattern, "\\"));
        }

        if (Clean(filter.PatientId) is { } patientId)
        {
            events = events.Where(e => e.PatientId == patientId);
        }

        if (Clean(filter.RequestNumber) is { } number)
        {
            events = events.Where(e => e.ObjectReference == number);
        }

        if (Clean(filter.Text) is { } text)
        {
            var pattern = Like(text);
            events = events.Where(e => EF.Functions.Like(e.Description, pattern, "\\"));
        }

        return events;
    }

    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>The filter in words, for the audit event that records an export.</summary>
    public static string Describe(AuditFilter filter)
    {
        var parts = new List<string>();
        Add("from", filter.From?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("to", filter.To?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        Add("type", filter.Type?.ToString());
        Add("outcome", filter.Outcome?.ToString());
        Add("user", Clean(filter.UserName));
        Add("patient", Clean(filter.PatientId));
        Add("request", Clean(filter.RequestNumber));
        Add("text", Clean(filter.Text));
        return parts.Count == 0 ? "no filter" : string.Join(", ", parts);

        void Add(string name, string? value)
        {
            if (value is not null)
            {
                parts.Add($"{name}={value}");
            }
        }
    }

    public static async Task<Dictionary<Guid, string>> FacilityCodesAsync(ImagePortalDbContext db, IEnumerable<Guid?> ids, CancellationToken cancellationToken)
    {
        var wanted = ids.OfType<Guid>().Distinct().ToList();
        return wanted.Count == 0
            ? []
            : await db.Facilities.AsNoTracking().Where(f => wanted.Contains(f.Id)).ToDictionaryAsync(f => f.Id, f => f.Code, cancellationToken);
    }

    public static AuditEventRow ToRow(AuditEvent e, IReadOnlyDictionary<Guid, string> facilityCodes) => new(
        e.Sequence, e.Id, e.At, e.Type, e.Action, e.Outcome, e.UserId, e.UserName,
        e.FacilityId is { } id ? facilityCodes.GetValueOrDefault(id, id.ToString()) : null,
        e.Address, e.PatientId, e.ObjectReference, e.Description, e.PreviousHash, e.Hash);

    private static string Like(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
}
