using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>A job this worker holds: it may work on it while <see cref="RetrievalQueue.RenewAsync"/> says so.</summary>
public sealed record RetrievalLease(Guid JobId, string Owner);

/// <summary>
/// The durable queue over <c>RetrievalJobs</c>. Every state change of a leased job is one conditional UPDATE whose
/// WHERE clause carries the lease condition, and counts as done only when it touched exactly one row: of two workers
/// that race for a job (in one process or on many machines, on SQL Server or SQLite), one wins and the other sees 0
/// rows. No transaction or lock is held while the transfer runs.
/// </summary>
public sealed class RetrievalQueue(IDbContextFactory<ImagePortalDbContext> dbFactory, TimeProvider clock)
{
    // The look for due jobs, compiled once: an idle worker runs it every poll interval, and it returns nothing most times,
    // so EF Core's own work for a query (finding the plan cached for its expression) was much of what a poll cost. Held by
    // the queue, not static: a compiled query serves one model, and each host (a test's portal) has its own.
    private readonly Func<ImagePortalDbContext, DateTimeOffset, IAsyncEnumerable<Guid>> _dueJobs =
        EF.CompileAsyncQuery((ImagePortalDbContext db, DateTimeOffset now) => db.RetrievalJobs.AsNoTracking()
            .Where(j => (j.State == RetrievalJobState.Queued && j.NextAttemptAt <= now) ||
                        (j.State == RetrievalJobState.Running && j.LeaseExpiresAt < now))
            .OrderBy(j => j.NextAttemptAt).ThenBy(j => j.Id)
            .Select(j => j.Id)
            .Take(10));

    private readonly Func<ImagePortalDbContext, DateTimeOffset, IAsyncEnumerable<Guid>> _dueGetJobs =
        EF.CompileAsyncQuery((ImagePortalDbContext db, DateTimeOffset now) => db.RetrievalJobs.AsNoTracking()
            .Where(j => (j.State == RetrievalJobState.Queued && j.NextAttemptAt <= now) ||
                        (j.State == RetrievalJobState.Running && j.LeaseExpiresAt < now))
            .Where(j => db.DicomNodes.Any(n => n.FacilityId == j.SourceFacilityId && (n.Capabilities & DicomCapabilities.Get) == DicomCapabilities.Get))
            .OrderBy(j => j.NextAttemptAt).ThenBy(j => j.Id)
            .Select(j => j.Id)
            .Take(10));

    /// <summary>Takes the next due job: a queued one whose time has come, or a running one whose worker stopped renewing.</summary>
    /// <param name="receivesMoves">
    /// False for a worker whose Storage SCP partners do not send C-MOVE instances to (they know one address for the
    /// portal's AE title): it takes only jobs whose source offers C-GET, which it can finish on its own.
    /// </param>
    public async Task<RetrievalLease?> TryLeaseAsync(string owner, TimeSpan leaseDuration, CancellationToken cancellationToken, bool receivesMoves = true)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var candidates = new List<Guid>();
        await foreach (var id in (receivesMoves ? _dueJobs : _dueGetJobs)(db, now).WithCancellation(cancellationToken))
        {
            candidates.Add(id);
        }

        foreach (var id in candidates)
        {
            var until = now + leaseDuration;
            var won = await db.RetrievalJobs
                .Where(j => j.Id == id &&
                            ((j.State == RetrievalJobState.Queued && j.NextAttemptAt <= now) ||
                             (j.State == RetrievalJobState.Running && j.LeaseExpiresAt < now)))
                .ExecuteUpdateAsync(set => set
                    .SetProperty(j => j.State, RetrievalJobState.Running)
                    .SetProperty(j => j.LeaseOwner, owner)
                    .SetProperty(j => j.LeaseExpiresAt, until)
                    .SetProperty(j => j.StartedAt, j => j.StartedAt ?? now), cancellationToken);
            if (won == 1)
            {
                return new RetrievalLease(id, owner);
            }
        }

        return null;
    }

    /// <summary>
    /// One heartbeat, in one UPDATE while nothing is amiss: extends the lease and, given <paramref name="progress"/>, writes
    /// the job's counters with it (and then the rows of the studies that changed). A job whose cancel was asked for is not
    /// matched by it; a second UPDATE then extends the lease of the cancelled job, so that its worker can end it, and tells
    /// <see cref="RenewResult.CancelRequested"/>; one that matches neither was lost (expired and taken over) or has ended.
    /// </summary>
    public async Task<RenewResult> RenewAsync(
        RetrievalLease lease, TimeSpan leaseDuration, CancellationToken cancellationToken, RetrievalProgressSnapshot? progress = null)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var until = clock.GetUtcNow() + leaseDuration;
        var held = Owned(db, lease).Where(j => !j.CancelRequested);
        var renewed = await held.ExecuteUpdateAsync(
            set =>
            {
                set.SetProperty(j => j.LeaseExpiresAt, until);
                if (progress is not null)
                {
                    SetCounters(set, progress);
                }
            },
            cancellationToken);
        if (renewed == 1)
        {
            if (progress is not null)
            {
                await WriteStudiesAsync(db, lease, progress.Changed, cancellationToken);
            }

            return RenewResult.Held;
        }

        var cancelled = await Owned(db, lease).Where(j => j.CancelRequested)
            .ExecuteUpdateAsync(set => set.SetProperty(j => j.LeaseExpiresAt, until), cancellationToken);
        return cancelled == 1 ? RenewResult.CancelRequested : RenewResult.Lost;
    }

    /// <summary>Gives the job back (shutdown): due at once, for any worker.</summary>
    public async Task ReleaseAsync(RetrievalLease lease, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await Owned(db, lease).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, RetrievalJobState.Queued)
            .SetProperty(j => j.LeaseOwner, (string?)null)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.NextAttemptAt, now), cancellationToken);
    }

    /// <summary>A transient failure: back to the queue after <paramref name="delay"/>, with the error for the board.</summary>
    public async Task<bool> RescheduleAsync(RetrievalLease lease, TimeSpan delay, string error, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var next = clock.GetUtcNow() + delay;
        var text = Truncate(error);
        return await Owned(db, lease).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, RetrievalJobState.Queued)
            .SetProperty(j => j.Attempts, j => j.Attempts + 1)
            .SetProperty(j => j.LeaseOwner, (string?)null)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.NextAttemptAt, next)
            .SetProperty(j => j.LastError, text), cancellationToken) == 1;
    }

    /// <summary>
    /// The job ended (succeeded, partially, failed for good, cancelled); the lease ends with it. Runs in the caller's
    /// context so the caller can save the request's new state in the same transaction; 0 rows: the lease was lost.
    /// </summary>
    public async Task<bool> FinishAsync(ImagePortalDbContext db, RetrievalLease lease, RetrievalJobState state, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var text = error is null ? null : Truncate(error);
        return await Owned(db, lease).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, state)
            .SetProperty(j => j.Attempts, j => state == RetrievalJobState.Failed ? j.Attempts + 1 : j.Attempts)
            .SetProperty(j => j.LeaseOwner, (string?)null)
            .SetProperty(j => j.LeaseExpiresAt, (DateTimeOffset?)null)
            .SetProperty(j => j.FinishedAt, now)
            .SetProperty(j => j.LastError, text), cancellationToken) == 1;
    }

    /// <summary>Writes the counters of the job and its changed studies, only while this worker holds the lease.</summary>
    public async Task<bool> ReportProgressAsync(RetrievalLease lease, RetrievalProgressSnapshot progress, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var held = await Owned(db, lease).ExecuteUpdateAsync(set => SetCounters(set, progress), cancellationToken);
        if (held != 1)
        {
            return false;
        }

        await WriteStudiesAsync(db, lease, progress.Changed, cancellationToken);
        return true;
    }

    /// <summary>The job's counters: the sums of its studies'.</summary>
    private static void SetCounters(UpdateSettersBuilder<RetrievalJob> set, RetrievalProgressSnapshot progress) => set
        .SetProperty(j => j.ExpectedInstances, progress.Studies.Sum(s => s.Expected))
        .SetProperty(j => j.DoneInstances, progress.Studies.Sum(s => s.Done))
        .SetProperty(j => j.FailedInstances, progress.Studies.Sum(s => s.Failed))
        .SetProperty(j => j.DoneBytes, progress.Studies.Sum(s => s.Bytes));

    /// <summary>The rows of these studies; a study whose counters did not change since they were last written is not among them.</summary>
    private static async Task WriteStudiesAsync(
        ImagePortalDbContext db, RetrievalLease lease, IReadOnlyList<StudyProgressSnapshot> studies, CancellationToken cancellationToken)
    {
        foreach (var study in studies)
        {
            await db.Set<RetrievalStudyProgress>()
                .Where(s => s.JobId == lease.JobId && s.StudyInstanceUid == study.StudyInstanceUid)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(s => s.ExpectedInstances, study.Expected)
                    .SetProperty(s => s.DoneInstances, study.Done)
                    .SetProperty(s => s.FailedInstances, study.Failed)
                    .SetProperty(s => s.DoneBytes, study.Bytes)
                    .SetProperty(s => s.StartedAt, study.StartedAt)
                    .SetProperty(s => s.FinishedAt, study.FinishedAt), cancellationToken);
        }
    }

    private static IQueryable<RetrievalJob> Owned(ImagePortalDbContext db, RetrievalLease lease) =>
        db.RetrievalJobs.Where(j => j.Id == lease.JobId && j.State == RetrievalJobState.Running && j.LeaseOwner == lease.Owner);

    private static string Truncate(string text) => text.Length <= RetrievalJob.MaxErrorLength ? text : text[..(RetrievalJob.MaxErrorLength - 3)] + "...";
}

public enum RenewResult
{
    Held,
    CancelRequested,
    Lost,
}

public sealed record StudyProgressSnapshot(
    string StudyInstanceUid, int Expected, int Done, int Failed, long Bytes, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>A job's progress: all its studies (the job's counters are their sums), and those whose rows are to be written.</summary>
public sealed record RetrievalProgressSnapshot(IReadOnlyList<StudyProgressSnapshot> Studies, IReadOnlyList<StudyProgressSnapshot> Changed)
{
    /// <summary>Every study written.</summary>
    public RetrievalProgressSnapshot(IReadOnlyList<StudyProgressSnapshot> studies)
        : this(studies, studies)
    {
    }
}
