using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Audit;

/// <summary>
/// The largest sequence number that can hold an event dated before a given instant, from the checkpoints' earliest
/// times (<see cref="Domain.Audit.AuditCheckpoint.EarliestEventAt"/>) instead of the events: what makes a date range in
/// the past as cheap as one that reaches the present (<see cref="AuditQueries.DatedPageAsync"/>).
/// </summary>
/// <remarks>
/// <para>
/// The rule. Number the checkpoints c1 &lt; c2 &lt; ... &lt; cn by sequence. Every checkpoint ck records an earliest time
/// Ek at or before the time of every event numbered in (c(k-1), ck]: it is the minimum over the events after the
/// checkpoint that was the last one when ck was written (<see cref="Infrastructure.Audit.AuditCheckpoints"/>), and a
/// checkpoint written later in between only narrows that span. None of those events changes afterwards: all of them had
/// committed before ck was written, an event appended later gets a larger number, and an event's time is sealed.
/// </para>
/// <para>
/// Take an event e with time t &lt; end. If e is numbered at or before cn, let ck be the first checkpoint at or after e:
/// Ek ≤ t &lt; end, so ck is at or before the last checkpoint whose earliest time is before the end (or unknown), and e
/// is numbered at or before that checkpoint. If e is numbered after cn, no checkpoint covers it, and it is at or before
/// the largest number after cn whose own event is dated before the end. So the bound is the larger of the two; none of
/// both means that no event is dated before the end, and the bound is 0. A checkpoint whose earliest time is unknown
/// (written by an older node, or whose events are gone) counts as one whose earliest time is before the end: it can only
/// raise the bound. A bound that is too high costs time (the page falls back to sorting the range); one too low would
/// silently drop events, so nothing here may make it lower.
/// </para>
/// <para>
/// Cost: the checkpoints are read newest first until one qualifies, which for a range in the past is about one per
/// 1,000 events after the range's end (a few hundred small rows for a year of a million events), and the events after
/// the last checkpoint (at most about 1,000) by primary key. Events committed after this is read are newer than the
/// page's snapshot, as they are for any page.
/// </para>
/// </remarks>
internal static class AuditSequenceBound
{
    /// <summary>The largest sequence number that can hold an event dated before <paramref name="end"/>; 0 when none can.</summary>
    public static async Task<long> BeforeAsync(ImagePortalDbContext db, DateTimeOffset end, CancellationToken cancellationToken)
    {
        // Newest first by primary key, stopping at the first match (a MAX with a condition may read them all).
        var lastCheckpoint = await db.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.Sequence).Select(c => c.Sequence)
            .FirstOrDefaultAsync(cancellationToken);
        var uncovered = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence > lastCheckpoint && e.At < end)
            .OrderByDescending(e => e.Sequence).Select(e => e.Sequence).FirstOrDefaultAsync(cancellationToken);
        if (uncovered > 0)
        {
            return uncovered;
        }

        return await db.AuditCheckpoints.AsNoTracking().Where(c => c.EarliestEventAt == null || c.EarliestEventAt < end)
            .OrderByDescending(c => c.Sequence).Select(c => c.Sequence).FirstOrDefaultAsync(cancellationToken);
    }
}
