namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>An instance the ledger holds for a destination.</summary>
internal sealed record LedgerEntry(string SopInstanceUid, string StudyInstanceUid, long Bytes);
