namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// One instance to store by STOW-RS: its identity (to match the answer's Referenced and Failed SOP Sequences) and how
/// to read its Part 10 file. <see cref="Open"/> may be called more than once: a retried request sends the body again.
/// </summary>
public sealed record StowInstance(string SopClassUid, string SopInstanceUid, long Length, Func<Stream> Open)
{
    public static StowInstance FromFile(string sopClassUid, string sopInstanceUid, string path) =>
        new(sopClassUid, sopInstanceUid, new FileInfo(path).Length, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan | FileOptions.Asynchronous));
}

/// <summary>What became of one instance sent by STOW-RS.</summary>
public enum StowStatus
{
    /// <summary>In the Referenced SOP Sequence (0008,1199) without a warning.</summary>
    Stored,

    /// <summary>In the Referenced SOP Sequence with a Warning Reason (0008,1196): stored, perhaps with coerced attributes.</summary>
    StoredWithWarning,

    /// <summary>In the Failed SOP Sequence (0008,1198), with its Failure Reason (0008,1197).</summary>
    Failed,

    /// <summary>In neither sequence: the node did not say, so it cannot be counted as stored.</summary>
    Unconfirmed,
}

/// <summary>The outcome of one instance, with the node's reason code (PS3.18 Table 10.5.3-1) and its meaning in words.</summary>
public sealed record StowOutcome(string SopInstanceUid, StowStatus Status, ushort? ReasonCode = null, string? Reason = null);
