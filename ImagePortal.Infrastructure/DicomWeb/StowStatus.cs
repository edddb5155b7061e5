namespace ImagePortal.Infrastructure.DicomWeb;

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
