using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Retrievals;

/// <summary>An instance that reached the destination's door and was refused, with the reason (PartiallyCompleted detail).</summary>
public sealed class FailedInstance
{
    public const int MaxReasonLength = 500;

    private FailedInstance()
    {
        SopInstanceUid = string.Empty;
        StudyInstanceUid = string.Empty;
        Reason = string.Empty;
    }

    public FailedInstance(Guid jobId, string studyInstanceUid, string sopInstanceUid, string reason, DateTimeOffset at)
        : this()
    {
        Id = Guid.CreateVersion7();
        JobId = jobId;

        // A failure is recorded whatever the source sent, an overlong UID included (the reason shows it as it came).
        StudyInstanceUid = QuarantinedInstance.Truncate(studyInstanceUid, 64);
        SopInstanceUid = QuarantinedInstance.Truncate(sopInstanceUid, 64);
        Reason = QuarantinedInstance.Truncate(reason, MaxReasonLength);
        At = at;
    }

    public Guid Id { get; private set; }

    public Guid JobId { get; private set; }

    public string StudyInstanceUid { get; private set; }

    public string SopInstanceUid { get; private set; }

    public string Reason { get; private set; }

    public DateTimeOffset At { get; private set; }
}

/// <summary>Where a quarantined instance stands: held until an administrator releases or deletes it, or the retention purges it.</summary>
public enum QuarantineState
{
    /// <summary>Kept aside in the quarantine folder, never imported.</summary>
    Held,

    /// <summary>An administrator confirmed it belongs to the request's patient; it was imported like any other instance.</summary>
    Released,

    /// <summary>An administrator deleted its file.</summary>
    Deleted,

    /// <summary>Its file was removed by the retention policy (too old, or the quarantine was over its size limit).</summary>
    Purged,
}
