namespace ImagePortal.Dicom.Data;

/// <summary>One entry of a <see cref="DicomDataset"/>: a plain element, a sequence, or encapsulated pixel data.</summary>
public abstract class DicomItem
{
    private protected DicomItem(DicomTag tag, DicomVR vr)
    {
        if (tag.IsDelimiter)
        {
            throw new ArgumentException($"{tag} is an item or delimiter tag, not a data element (PS3.5 §7.5).", nameof(tag));
        }

        Tag = tag;
        VR = vr;
    }

    public DicomTag Tag { get; }

    public DicomVR VR { get; }

    public override string ToString() => $"{Tag} {VR}";
}

/// <summary>A data element with a value that is not a sequence (PS3.5 §7.1). The value stays in its encoded form.</summary>
public sealed class DicomElement : DicomItem
{
    public DicomElement(DicomTag tag, DicomVR vr, DicomBuffer buffer)
        : base(tag, vr)
    {
        if (vr == DicomVR.SQ)
        {
            throw new ArgumentException("A sequence is a DicomSequence, not a DicomElement.", nameof(vr));
        }

        Buffer = buffer;
    }

    /// <summary>The encoded value, little endian, padding included.</summary>
    public DicomBuffer Buffer { get; }

    public long Length => Buffer.Length;
}

/// <summary>A sequence of items (PS3.5 §7.5), each item a nested <see cref="DicomDataset"/>.</summary>
public sealed class DicomSequence : DicomItem
{
    public DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null)
        : base(tag, DicomVR.SQ)
    {
        Items = [.. items ?? []];
    }

    /// <summary>
    /// The items. Add them with <see cref="DicomDataset.AddSequenceItem"/> (or add the sequence to its data set
    /// after filling it), so that they know their parent and inherit its Specific Character Set.
    /// </summary>
    public List<DicomDataset> Items { get; }

    /// <summary>
    /// Whether the sequence is written with undefined length and a Sequence Delimitation Item (PS3.5 §7.5.2) rather
    /// than an explicit length. The reader keeps what the file used, so that an unchanged file is rewritten as it was.
    /// </summary>
    public bool UndefinedLength { get; set; } = true;
}

/// <summary>
/// Encapsulated pixel data (PS3.5 §A.4): the Basic Offset Table item and the fragments, kept byte for byte; nothing
/// is decompressed.
/// </summary>
public sealed class DicomFragmentSequence : DicomItem
{
    public DicomFragmentSequence(DicomTag tag, DicomVR vr, DicomBuffer offsetTable, IEnumerable<DicomBuffer> fragments)
        : base(tag, vr)
    {
        OffsetTable = offsetTable;
        Fragments = [.. fragments];
    }

    /// <summary>The first item's value: empty, or one UL offset per frame (PS3.5 §A.4, Table A.4-1).</summary>
    public DicomBuffer OffsetTable { get; }

    public List<DicomBuffer> Fragments { get; }
}
