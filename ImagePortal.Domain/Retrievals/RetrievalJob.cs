using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Domain.Retrievals;

public enum RetrievalJobState
{
    /// <summary>Waiting for a worker; <see cref="RetrievalJob.NextAttemptAt"/> says from when.</summary>
    Queued,

    /// <summary>A worker holds the lease; when it expires (the worker died) another worker may take the job over.</summary>
    Running,
    Succeeded,
    PartiallySucceeded,
    Failed,
    Cancelled,
}

/// <summary>
/// The durable queue entry that turns an approved request into images at the requester's PACS.
/// Created in the same transaction as the approval; leased by one worker at a time through an atomic conditional
/// UPDATE (the queue in Infrastructure), so its lease and progress columns are written with set-based updates and the
/// entity only holds the rules that do not race: creation, retry and cancel.
/// </summary>
public sealed class RetrievalJob
{
    public const int MaxErrorLength = 1000;

    private readonly List<RetrievalStudyProgress> _studies = [];

    private RetrievalJob()
    {
    }

    private RetrievalJob(ImageRequest request, DateTimeOffset now)
    {
        Id = Guid.CreateVersion7();
        RequestId = request.Id;
        RequestingFacilityId = request.RequestingFacilityId;
        SourceFacilityId = request.SourceFacilityId;
        State = RetrievalJobState.Queued;
        CreatedAt = now;
        NextAttemptAt = now;
        _studies.AddRange(request.Studies.Select(s => new RetrievalStudyProgress(Id, s.StudyInstanceUid, s.ExpectedInstances ?? 0)));
    }

    public Guid Id { get; private set; }

    public Guid RequestId { get; private set; }

    /// <summary>Copied from the request so a board can be scoped by facility without a join.</summary>
    public Guid RequestingFacilityId { get; private set; }

    public Guid SourceFacilityId { get; private set; }

    public RetrievalJobState State { get; private set; }

    /// <summary>Failed attempts so far (transient failures); the job fails for good at the configured maximum.</summary>
    public int Attempts { get; private set; }

    public DateTimeOffset NextAttemptAt { get; private set; }

    public string? LeaseOwner { get; private set; }

    public DateTimeOffset? LeaseExpiresAt { get; private set; }

    public int ExpectedInstances { get; private set; }

    public int DoneInstances { get; private set; }

    public int FailedInstances { get; private set; }

    public long DoneBytes { get; private set; }

    /// <summary>The last failure in words a user can act on ("PACS X at h:p refused the association: ...").</summary>
    public string? LastError { get; private set; }

    public bool CancelRequested { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public IReadOnlyList<RetrievalStudyProgress> Studies => _studies;

    public bool IsFinished => State is RetrievalJobState.Succeeded or RetrievalJobState.PartiallySucceeded or RetrievalJobState.Failed or RetrievalJobState.Cancelled;

    /// <summary>One job per approved request, with a progress row per approved study.</summary>
    public static RetrievalJob For(ImageRequest request, DateTimeOffset now) =>
        request.Status == RequestStatus.Approved && request.Studies.Count > 0
            ? new RetrievalJob(request, now)
            : throw new DomainException($"Request {request.Number} is not approved; nothing to retrieve.");

    /// <summary>
    /// A user asks to try again after the job failed: attempts start over, a worker picks it up at once, and the
    /// exactly-once ledger makes it skip every instance already imported. A partial import is not retried (the request
    /// has ended, DESIGN: only <c>Failed → Retrieving</c>); a new request for the same study brings only what is missing.
    /// </summary>
    public void Retry(DateTimeOffset now)
    {
        if (State != RetrievalJobState.Failed)
        {
            throw new DomainException(State switch
            {
                RetrievalJobState.Queued or RetrievalJobState.Running => "The retrieval is still in progress.",
                RetrievalJobState.PartiallySucceeded or RetrievalJobState.Cancelled =>
                    "Only a failed retrieval can be retried. File a new request for the missing images: what was imported is skipped.",
                _ => "Only a failed retrieval can be retried.",
            });
        }

        State = RetrievalJobState.Queued;
        Attempts = 0;
        NextAttemptAt = now;
        CancelRequested = false;
        FinishedAt = null;
    }

    /// <summary>
    /// Asks the worker to stop; it cancels the transfer, keeps what was imported and ends the request. A queued job is
    /// made due at once so a worker finishes it promptly.
    /// </summary>
    public void RequestCancel(DateTimeOffset now)
    {
        if (IsFinished)
        {
            throw new DomainException("The retrieval has already ended.");
        }

        if (CancelRequested)
        {
            throw new DomainException("Cancelling was already asked for.");
        }

        CancelRequested = true;
        if (State == RetrievalJobState.Queued)
        {
            NextAttemptAt = now;
        }
    }

    /// <summary>Exponential backoff with full jitter on top of half the delay: base·2^(attempt-1), capped, then ×[0.5, 1).</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        if (attempt < 1)
        {
            attempt = 1;
        }

        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(exponential, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Math.Clamp(random, 0, 1) / 2)));
    }
}

/// <summary>Progress of one approved study within a job.</summary>
public sealed class RetrievalStudyProgress
{
    private RetrievalStudyProgress()
    {
        StudyInstanceUid = string.Empty;
    }

    internal RetrievalStudyProgress(Guid jobId, string studyInstanceUid, int expectedInstances)
        : this()
    {
        JobId = jobId;
        StudyInstanceUid = studyInstanceUid;
        ExpectedInstances = expectedInstances;
    }

    public int Id { get; private set; }

    public Guid JobId { get; private set; }

    public string StudyInstanceUid { get; private set; }

    public int ExpectedInstances { get; private set; }

    public int DoneInstances { get; private set; }

    public int FailedInstances { get; private set; }

    public long DoneBytes { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }
}
