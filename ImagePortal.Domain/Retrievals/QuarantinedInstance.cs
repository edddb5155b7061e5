using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Retrievals;

/// <summary>
/// An instance the source sent that this request did not ask for (another study, another patient): kept aside in the
/// quarantine folder under a generated file name, never imported, raised as a security alert. It is held until an
/// administrator releases or deletes it or the retention purges it; the row stays, with who ended it, when and why.
/// </summary>
public sealed class QuarantinedInstance
{
    public const int MaxReasonLength = 500;

    private QuarantinedInstance()
    {
        SopInstanceUid = string.Empty;
        Reason = string.Empty;
        FileName = string.Empty;
    }

    public QuarantinedInstance(
        Guid jobId, Guid requestId, string sopInstanceUid, string? studyInstanceUid, string? patientId, string reason, string fileName, long bytes, DateTimeOffset at,
        string? sourceAeTitle = null)
        : this()
    {
        Id = Guid.CreateVersion7();
        JobId = jobId;
        RequestId = requestId;
        SopInstanceUid = Truncate(sopInstanceUid, 64);
        StudyInstanceUid = studyInstanceUid is null ? null : Truncate(studyInstanceUid, 64);
        PatientId = patientId is null ? null : Truncate(patientId, 64);
        Reason = Truncate(reason, MaxReasonLength);
        FileName = fileName;
        Bytes = bytes;
        ReceivedAt = at;
        SourceAeTitle = sourceAeTitle is null ? null : Truncate(sourceAeTitle, 16);
        State = QuarantineState.Held;
    }

    public Guid Id { get; private set; }

    public Guid JobId { get; private set; }

    public Guid RequestId { get; private set; }

    public string SopInstanceUid { get; private set; }

    public string? StudyInstanceUid { get; private set; }

    public string? PatientId { get; private set; }

    public string Reason { get; private set; }

    /// <summary>A generated name inside the quarantine folder (never a value from the data set).</summary>
    public string FileName { get; private set; }

    public long Bytes { get; private set; }

    public DateTimeOffset ReceivedAt { get; private set; }

    /// <summary>The AE title that sent it, when the worker recorded it.</summary>
    public string? SourceAeTitle { get; private set; }

    public QuarantineState State { get; private set; }

    /// <summary>The administrator who released or deleted it; null while held and for a purge (the retention policy).</summary>
    public string? ResolvedBy { get; private set; }

    public DateTimeOffset? ResolvedAt { get; private set; }

    /// <summary>The administrator's reason, or why the retention purged it.</summary>
    public string? Resolution { get; private set; }

    public bool IsHeld => State == QuarantineState.Held;

    /// <summary>An administrator verified that it belongs to the request's patient; it has been imported.</summary>
    public void Release(string userName, string reason, DateTimeOffset now) =>
        Resolve(QuarantineState.Released, Guard.Required(userName, "The administrator", 256), Guard.Required(reason, "The reason", MaxReasonLength), now, "released");

    /// <summary>An administrator removed it for good.</summary>
    public void Delete(string userName, string reason, DateTimeOffset now) =>
        Resolve(QuarantineState.Deleted, Guard.Required(userName, "The administrator", 256), Guard.Required(reason, "The reason", MaxReasonLength), now, "deleted");

    /// <summary>The retention policy removed its file (<paramref name="why"/>: too old, or over the size limit).</summary>
    public void Purge(string why, DateTimeOffset now) =>
        Resolve(QuarantineState.Purged, null, Guard.Required(why, "The reason", MaxReasonLength), now, "purged");

    private void Resolve(QuarantineState state, string? by, string reason, DateTimeOffset now, string action)
    {
        if (State != QuarantineState.Held)
        {
            throw new DomainException($"Quarantined instance {SopInstanceUid} was already {State.ToString().ToLowerInvariant()} and cannot be {action}.");
        }

        State = state;
        ResolvedBy = by;
        ResolvedAt = now;
        Resolution = reason;
    }

    internal static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
}
