namespace ImagePortal.Dicom.Data;

/// <summary>
/// The one exception the reader throws for malformed input, whatever is wrong with it: truncation, impossible
/// lengths, bad VRs, nesting too deep. <see cref="Offset"/> is the byte position in the (inflated) stream where the
/// problem was found.
/// </summary>
public sealed class DicomFormatException : Exception
{
    public DicomFormatException(long offset, string reason, Exception? innerException = null)
        : base($"Malformed DICOM at byte {offset}: {reason}", innerException)
    {
        Offset = offset;
        Reason = reason;
    }

    public long Offset { get; }

    public string Reason { get; }
}
