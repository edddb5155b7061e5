namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The instance a C-FIND at IMAGE level announced.</summary>
internal sealed record ExpectedInstance(string StudyUid, string SeriesUid, string SopInstanceUid, string SopClassUid);
