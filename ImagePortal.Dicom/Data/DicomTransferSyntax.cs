namespace ImagePortal.Dicom.Data;

/// <summary>
/// A transfer syntax (PS3.5 §10): how a data set is encoded. The reader and writer need four facts about it:
/// explicit or implicit VR, byte order, whether the stream is deflated (§A.5) and whether pixel data is
/// encapsulated (§A.4).
/// </summary>
public sealed record DicomTransferSyntax(string Uid, string Name, bool IsExplicitVR, bool IsBigEndian, bool IsDeflated, bool IsEncapsulated)
{
    /// <summary>1.2.840.10008.1.2, the default transfer syntax of DICOM (PS3.5 §A.1).</summary>
    public static DicomTransferSyntax ImplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false);

    /// <summary>1.2.840.10008.1.2.1 (PS3.5 §A.2).</summary>
    public static DicomTransferSyntax ExplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", true, false, false, false);

    /// <summary>1.2.840.10008.1.2.1.99 (PS3.5 §A.5): explicit VR little endian compressed with raw deflate (RFC 1951).</summary>
    public static DicomTransferSyntax DeflatedExplicitVRLittleEndian { get; } = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, false);

    /// <summary>1.2.840.10008.1.2.2 (PS3.5 §A.3, retired): read only.</summary>
    public static DicomTransferSyntax ExplicitVRBigEndian { get; } = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian (retired)", true, true, false, false);

    /// <summary>The transfer syntaxes this library knows, all encapsulated ones included (PS3.6 Table A-1).</summary>
    public static IReadOnlyList<DicomTransferSyntax> All { get; } =
    [
        ImplicitVRLittleEndian,
        ExplicitVRLittleEndian,
        DeflatedExplicitVRLittleEndian,
        ExplicitVRBigEndian,
        Encapsulated("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)"),
        Encapsulated("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)"),
        Encapsulated("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)"),
        Encapsulated("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])"),
        Encapsulated("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression"),
        Encapsulated("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression"),
        Encapsulated("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)"),
        Encapsulated("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression"),
        Encapsulated("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)"),
        Encapsulated("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression"),
        Encapsulated("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level"),
        Encapsulated("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level"),
        Encapsulated("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1"),
        Encapsulated("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1"),
        Encapsulated("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1"),
        Encapsulated("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1"),
        Encapsulated("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)"),
        Encapsulated("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)"),
        Encapsulated("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression"),
        Encapsulated("1.2.840.10008.1.2.5", "RLE Lossless"),
    ];

    /// <summary>
    /// The transfer syntax of <paramref name="uid"/>. Unknown UIDs are assumed to be explicit VR little endian with
    /// encapsulated pixel data: PS3.5 §A.4 requires every transfer syntax added in the future to encode that way.
    /// </summary>
    public static DicomTransferSyntax Lookup(string uid)
    {
        foreach (var syntax in All)
        {
            if (syntax.Uid == uid)
            {
                return syntax;
            }
        }

        return new DicomTransferSyntax(uid, "Unknown transfer syntax", true, false, false, true);
    }

    public bool IsKnown => All.Contains(this);

    public override string ToString() => $"{Name} ({Uid})";

    private static DicomTransferSyntax Encapsulated(string uid, string name) => new(uid, name, true, false, false, true);
}
