namespace ImagePortal.Dicom.Data;

/// <summary>How <see cref="DicomReader"/> reads. Immutable; <see cref="Default"/> suits files received from the network.</summary>
public sealed record DicomReaderOptions
{
    public static DicomReaderOptions Default { get; } = new();

    /// <summary>
    /// Values longer than this are left in a seekable source and read on demand (pixel data, large overlays),
    /// so reading a header costs memory for the header only. Non-seekable and deflated input is always loaded.
    /// </summary>
    public long LargeValueThreshold { get; init; } = 64 * 1024;

    /// <summary>Stop at the first top-level element with a tag at or above this one (e.g. before Pixel Data).</summary>
    public DicomTag? StopAtTag { get; init; }

    /// <summary>
    /// The most bytes read from input whose length is not known in advance (non-seekable streams and deflated data,
    /// PS3.5 §A.5), so that a small deflated file cannot inflate into unbounded memory.
    /// </summary>
    public long MaxUnboundedLength { get; init; } = 4L << 30;

    /// <summary>The deepest nesting of sequences accepted; deeper input is rejected rather than exhausting the stack.</summary>
    public int MaxDepth { get; init; } = 64;
}
