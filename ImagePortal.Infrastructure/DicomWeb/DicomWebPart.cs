namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// One instance of a WADO-RS answer, handed to the caller while the answer streams: <see cref="Body"/> is the Part 10
/// file as it arrives (read it to the end, e.g. into a spool file, before the next part comes). A part cut short or
/// over <see cref="DicomWebOptions.MaxInstanceBytes"/> throws <see cref="DicomWebException"/> from the stream.
/// </summary>
public sealed record DicomWebPart(int Index, string ContentType, string? TransferSyntaxUid, string? ContentLocation, Stream Body);
