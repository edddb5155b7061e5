using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Retrievals;

/// <summary>
/// The exactly-once ledger: an instance stored into a destination node. Unique per (SOP Instance UID, destination),
/// so every retry and every resumed job skips what is done, whichever worker did it.
/// </summary>
public sealed class ImportedInstance
{
    private ImportedInstance()
    {
        SopInstanceUid = string.Empty;
        StudyInstanceUid = string.Empty;
    }

    public ImportedInstance(Guid jobId, Guid destinationNodeId, string studyInstanceUid, string sopInstanceUid, long bytes, DateTimeOffset at)
        : this()
    {
        Id = Guid.CreateVersion7();
        JobId = jobId;
        DestinationNodeId = destinationNodeId;
        StudyInstanceUid = studyInstanceUid;
        SopInstanceUid = sopInstanceUid;
        Bytes = bytes;
        ImportedAt = at;
    }

    public Guid Id { get; private set; }

    public Guid JobId { get; private set; }

    public Guid DestinationNodeId { get; private set; }

    public string StudyInstanceUid { get; private set; }

    public string SopInstanceUid { get; private set; }

    public long Bytes { get; private set; }

    public DateTimeOffset ImportedAt { get; private set; }
}
