using System.Globalization;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// A data element tag (PS3.5 §7.1): group and element number. The public dictionary's tags are the
/// generated static properties of this type (<see cref="PatientID"/> and so on).
/// </summary>
public readonly partial struct DicomTag : IEquatable<DicomTag>, IComparable<DicomTag>
{
    public DicomTag(ushort group, ushort element)
    {
        Value = ((uint)group << 16) | element;
    }

    public DicomTag(uint value)
    {
        Value = value;
    }

    /// <summary>The tag as one number, group in the high 16 bits: the order data sets are sorted in (PS3.5 §7.1).</summary>
    public uint Value { get; }

    public ushort Group => (ushort)(Value >> 16);

    public ushort Element => (ushort)Value;

    /// <summary>Private data elements have odd group numbers (PS3.5 §7.8.1); groups 1, 3, 5 and 7 are not allowed.</summary>
    public bool IsPrivate => (Group & 1) == 1;

    /// <summary>A Private Creator element (gggg,0010-00FF) of an odd group reserves a block of 256 elements (PS3.5 §7.8.1).</summary>
    public bool IsPrivateCreator => IsPrivate && Element is >= 0x0010 and <= 0x00FF;

    /// <summary>The private creator element that reserves this private element's block, e.g. (0029,1010) → (0029,0010).</summary>
    public DicomTag PrivateCreatorTag => IsPrivate && Element >= 0x1000
        ? new DicomTag(Group, (ushort)(Element >> 8))
        : throw new InvalidOperationException($"{this} is not a private data element of a reserved block.");

    /// <summary>Group length elements (gggg,0000), retired outside groups 0000 and 0002 (PS3.5 §7.2).</summary>
    public bool IsGroupLength => Element == 0;

    /// <summary>The Item, Item Delimitation and Sequence Delimitation tags of group FFFE (PS3.5 §7.5).</summary>
    public bool IsDelimiter => Group == 0xFFFE;

    /// <summary>(FFFE,E000): starts an item of a sequence or an encapsulated fragment (PS3.5 §7.5, §A.4).</summary>
    public static DicomTag SequenceItem => new(0xFFFEE000u);

    /// <summary>(FFFE,E00D): ends an item of undefined length (PS3.5 §7.5.2).</summary>
    public static DicomTag ItemDelimitation => new(0xFFFEE00Du);

    /// <summary>(FFFE,E0DD): ends a sequence of undefined length (PS3.5 §7.5.2).</summary>
    public static DicomTag SequenceDelimitation => new(0xFFFEE0DDu);

    /// <summary>The keyword of the public dictionary (e.g. <c>PatientID</c>), or null for private and unknown tags.</summary>
    public string? Keyword => DicomDictionary.Find(this)?.Keyword;

    /// <summary>Parses <c>(0010,0020)</c>, <c>0010,0020</c>, <c>00100020</c> or a dictionary keyword such as <c>PatientID</c>.</summary>
    public static bool TryParse(string text, out DicomTag tag)
    {
        var span = text.AsSpan().Trim();
        if (span.Length > 2 && span[0] == '(' && span[^1] == ')')
        {
            span = span[1..^1];
        }

        if (span.Length == 9 && span[4] == ',' &&
            ushort.TryParse(span[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var group) &&
            ushort.TryParse(span[5..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var element))
        {
            tag = new DicomTag(group, element);
            return true;
        }

        if (span.Length == 8 && uint.TryParse(span, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            tag = new DicomTag(value);
            return true;
        }

        var entry = DicomDictionary.FindByKeyword(span.ToString());
        if (entry is not null && entry.Mask == uint.MaxValue)
        {
            tag = new DicomTag(entry.Tag);
            return true;
        }

        tag = default;
        return false;
    }

    public static DicomTag Parse(string text) =>
        TryParse(text, out var tag) ? tag : throw new FormatException($"'{text}' is neither a tag such as (0010,0020) nor a dictionary keyword.");

    public bool Equals(DicomTag other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is DicomTag other && Equals(other);

    public override int GetHashCode() => (int)Value;

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator ==(DicomTag left, DicomTag right) => left.Value == right.Value;

    public static bool operator !=(DicomTag left, DicomTag right) => left.Value != right.Value;

    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    /// <summary>The dcmdump notation <c>(gggg,eeee)</c> in upper-case hex.</summary>
    public override string ToString() => string.Create(11, Value, static (span, value) =>
    {
        span[0] = '(';
        ((ushort)(value >> 16)).TryFormat(span[1..], out _, "X4", CultureInfo.InvariantCulture);
        span[5] = ',';
        ((ushort)value).TryFormat(span[6..], out _, "X4", CultureInfo.InvariantCulture);
        span[10] = ')';
    });
}
