namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>The outcome of one instance, with the node's reason code (PS3.18 Table 10.5.3-1) and its meaning in words.</summary>
public sealed record StowOutcome(string SopInstanceUid, StowStatus Status, ushort? ReasonCode = null, string? Reason = null);
