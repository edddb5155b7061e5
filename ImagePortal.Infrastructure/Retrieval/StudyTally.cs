
namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>One approved study's counts during a run; the counters are updated with Interlocked by the transfer's tasks.</summary>
internal sealed class StudyTally(string studyUid)
{
    public string StudyUid { get; } = studyUid;

    public int Expected;
    public int Done;
    public int Failed;
    public long Bytes;
    public DateTimeOffset? StartedAt;
    public DateTimeOffset? FinishedAt;

    public StudyProgressSnapshot Snapshot() => new(StudyUid, Expected, Done, Failed, Interlocked.Read(ref Bytes), StartedAt, FinishedAt);
}
