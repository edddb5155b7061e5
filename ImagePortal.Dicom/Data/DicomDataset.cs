// Over 400 lines: one type's typed getters and setters for every value representation (PS3.5 6.2), a few lines each,
// beside the ordered element store they read and write.
using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// A data set (PS3.5 §7): data elements in ascending tag order, each unique. Values are kept encoded (so that an
/// unchanged file is rewritten byte for byte) and decoded when read through the typed getters. Also an item of a
/// <see cref="DicomSequence"/>; nested items inherit Specific Character Set from their parent (PS3.5 §7.5.3).
/// </summary>
public sealed class DicomDataset : IEnumerable<DicomItem>
{
    private readonly List<DicomItem> _items = [];
    private (DicomElement Source, DicomCharacterSet Set)? _characterSet;

    public DicomDataset()
    {
    }

    public DicomDataset(IEnumerable<DicomItem> items)
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public int Count => _items.Count;

    /// <summary>The data set whose sequence holds this item, for character set inheritance; null at the top.</summary>
    public DicomDataset? Parent { get; internal set; }

    /// <summary>As an item: written with undefined length and an Item Delimitation Item (PS3.5 §7.5.2) rather than an explicit length.</summary>
    public bool UndefinedItemLength { get; set; } = true;

    /// <summary>The character set of (0008,0005) here or in the nearest enclosing data set that has it.</summary>
    public DicomCharacterSet CharacterSet
    {
        get
        {
            for (var dataset = this; dataset is not null; dataset = dataset.Parent)
            {
                if (dataset.Find(DicomTag.SpecificCharacterSet) is DicomElement element)
                {
                    // Elements are immutable: the same element object means the same character set.
                    if (_characterSet is { } cached && ReferenceEquals(cached.Source, element))
                    {
                        return cached.Set;
                    }

                    var terms = SplitValues(Encoding.ASCII.GetString(element.Buffer.GetBytes().Span), DicomVR.CS, trimLeading: true);
                    var set = DicomCharacterSet.Create(terms);
                    _characterSet = (element, set);
                    return set;
                }
            }

            return DicomCharacterSet.Default;
        }
    }

    public DicomItem? this[DicomTag tag] => Find(tag);

    public bool Contains(DicomTag tag) => IndexOf(tag) >= 0;

    public DicomItem? Find(DicomTag tag)
    {
        var index = IndexOf(tag);
        return index >= 0 ? _items[index] : null;
    }

    /// <summary>Adds <paramref name="item"/>, replacing an element with the same tag.</summary>
    public DicomDataset Add(DicomItem item)
    {
        if (item is DicomSequence sequence)
        {
            foreach (var nested in sequence.Items)
            {
                nested.Parent = this;
            }
        }

        var count = _items.Count;
        if (count == 0 || _items[count - 1].Tag < item.Tag)
        {
            // Readers add in ascending order: the common case stays O(1).
            _items.Add(item);
            return this;
        }

        var index = IndexOf(item.Tag);
        if (index >= 0)
        {
            _items[index] = item;
        }
        else
        {
            _items.Insert(~index, item);
        }

        return this;
    }

    public bool Remove(DicomTag tag)
    {
        var index = IndexOf(tag);
        if (index < 0)
        {
            return false;
        }

        _items.RemoveAt(index);
        return true;
    }

    /// <summary>Removes every element matching <paramref name="predicate"/> (e.g. all private tags, or a group).</summary>
    public int RemoveAll(Func<DicomItem, bool> predicate) => _items.RemoveAll(item => predicate(item));

    public IEnumerator<DicomItem> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A deep copy of the elements' structure; value buffers are immutable and shared.</summary>
    public DicomDataset Clone()
    {
        var copy = new DicomDataset { UndefinedItemLength = UndefinedItemLength };
        foreach (var item in _items)
        {
            copy._items.Add(item switch
            {
                DicomSequence sequence => CloneSequence(sequence, copy),
                DicomFragmentSequence fragments => new DicomFragmentSequence(fragments.Tag, fragments.VR, fragments.OffsetTable, fragments.Fragments),
                _ => item,
            });
        }

        return copy;
    }

    // ---- Getters -------------------------------------------------------------------------------------------

    /// <summary>
    /// The whole decoded text value (values still separated by backslash), trailing padding removed; null when
    /// absent. Throws InvalidOperationException for elements that are not text.
    /// </summary>
    public string? GetString(DicomTag tag)
    {
        if (Find(tag) is not DicomElement element)
        {
            return null;
        }

        return DecodeText(element).TrimEnd(' ', '\0');
    }

    /// <summary>The values of a text element split by VM (PS3.5 §6.4), padding and insignificant spaces removed; empty when absent.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        if (Find(tag) is not DicomElement element || element.Length == 0)
        {
            return [];
        }

        var text = DecodeText(element);
        return SplitValues(text, element.VR, trimLeading: element.VR != DicomVR.PN && element.VR.IsMultiValued);
    }

    /// <summary>One value of a text element; null when absent or when there are fewer values.</summary>
    public string? GetString(DicomTag tag, int index)
    {
        var values = GetStrings(tag);
        return index < values.Length ? values[index] : null;
    }

    /// <summary>A UID (UI) value, validated (PS3.5 §9.1); null when absent or empty.</summary>
    public string? GetUid(DicomTag tag)
    {
        var value = GetString(tag, 0);
        if (value is null || value.Length == 0)
        {
            return null;
        }

        return DicomUid.IsValid(value) ? value : throw new FormatException($"{tag} holds '{value}', which is not a valid UID (PS3.5 §9.1).");
    }

    public DicomPersonName? GetPersonName(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        return value is null ? null : DicomPersonName.Parse(value);
    }

    /// <summary>A DA value (PS3.5 Table 6.2-1: YYYYMMDD); null when absent or empty.</summary>
    public DateOnly? GetDate(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        return string.IsNullOrEmpty(value) ? null : DicomDateTime.ParseDate(value);
    }

    /// <summary>A TM value (HH[MM[SS[.FFFFFF]]]); null when absent or empty.</summary>
    public TimeOnly? GetTime(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        return string.IsNullOrEmpty(value) ? null : DicomDateTime.ParseTime(value);
    }

    /// <summary>A DT value (YYYY[MM[DD[HH[MM[SS[.F]]]]]][&amp;ZZXX]); without an offset it is the local time of the data set.</summary>
    public DateTimeOffset? GetDateTime(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        return string.IsNullOrEmpty(value) ? null : DicomDateTime.ParseDateTime(value);
    }

    /// <summary>An IS value (PS3.5 Table 6.2-1: a decimal integer, -2^31 to 2^31-1).</summary>
    public int? GetIntegerString(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new FormatException($"{tag} holds '{value}', which is not an integer string (IS).");
    }

    /// <summary>A DS value (a fixed or floating point decimal of at most 16 characters).</summary>
    public double? GetDecimalString(DicomTag tag, int index = 0)
    {
        var value = GetString(tag, index);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new FormatException($"{tag} holds '{value}', which is not a decimal string (DS).");
    }

    /// <summary>
    /// The values of a binary element as <typeparamref name="T"/> (ushort for US/OW, short for SS, uint for UL/OL,
    /// int for SL, float for FL/OF, double for FD/OD, long for SV, ulong for UV/OV). The size of T must match the VR.
    /// </summary>
    public T[] GetValues<T>(DicomTag tag)
        where T : unmanaged
    {
        if (Find(tag) is not DicomElement element)
        {
            return [];
        }

        var size = Marshal.SizeOf<T>();
        if (element.VR.Kind == DicomVRKind.Text || (element.VR.UnitSize != size && element.VR != DicomVR.UN && element.VR != DicomVR.OB))
        {
            throw new InvalidOperationException($"{tag} is {element.VR}; its values are not {typeof(T).Name}.");
        }

        var bytes = element.Buffer.GetBytes().Span;
        return MemoryMarshal.Cast<byte, T>(bytes[..(bytes.Length - bytes.Length % size)]).ToArray();
    }

    public T? GetValue<T>(DicomTag tag, int index = 0)
        where T : unmanaged
    {
        var values = GetValues<T>(tag);
        return index < values.Length ? values[index] : null;
    }

    public ushort? GetUInt16(DicomTag tag, int index = 0) => GetValue<ushort>(tag, index);

    public uint? GetUInt32(DicomTag tag, int index = 0) => GetValue<uint>(tag, index);

    /// <summary>The values of an AT element: each a group and element as two US (PS3.5 Table 6.2-1).</summary>
    public DicomTag[] GetTags(DicomTag tag)
    {
        var words = GetValues<ushort>(tag);
        var tags = new DicomTag[words.Length / 2];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = new DicomTag(words[2 * i], words[2 * i + 1]);
        }

        return tags;
    }

    public DicomSequence? GetSequence(DicomTag tag) => Find(tag) as DicomSequence;

    /// <summary>The raw value bytes (little endian); deferred values are read from their file.</summary>
    public ReadOnlyMemory<byte> GetBytes(DicomTag tag) => Find(tag) is DicomElement element ? element.Buffer.GetBytes() : ReadOnlyMemory<byte>.Empty;

    // ---- Setters -------------------------------------------------------------------------------------------

    /// <summary>Sets a text element with the dictionary's VR.</summary>
    public DicomDataset SetString(DicomTag tag, string value) => SetString(tag, DictionaryVR(tag), value);

    /// <summary>
    /// Sets a text element, encoding it in this data set's character set and padding it to even length (PS3.5 §6.2).
    /// Setting (0008,0005) itself does not re-encode the other elements.
    /// </summary>
    public DicomDataset SetString(DicomTag tag, DicomVR vr, string value)
    {
        if (vr.Kind != DicomVRKind.Text)
        {
            throw new ArgumentException($"{vr} is not a text VR.", nameof(vr));
        }

        if (vr == DicomVR.UI && value.Length > 0)
        {
            foreach (var uid in value.Split('\\'))
            {
                if (!DicomUid.IsValid(uid))
                {
                    throw new ArgumentException($"'{uid}' is not a valid UID (PS3.5 §9.1).", nameof(value));
                }
            }
        }

        var bytes = vr.UsesSpecificCharacterSet ? CharacterSet.Encode(value) : EncodeAscii(value, tag);
        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.PaddingByte;
        }

        return Add(new DicomElement(tag, vr, DicomBuffer.FromBytes(bytes)));
    }

    public DicomDataset SetStrings(DicomTag tag, params string[] values) => SetString(tag, string.Join('\\', values));

    /// <summary>Sets binary values; the size of <typeparamref name="T"/> must match the VR's (PS3.5 Table 6.2-1).</summary>
    public DicomDataset SetValues<T>(DicomTag tag, DicomVR vr, params T[] values)
        where T : unmanaged
    {
        if (vr.Kind is not (DicomVRKind.Number or DicomVRKind.Bytes) || (vr.UnitSize != Marshal.SizeOf<T>() && vr != DicomVR.OB && vr != DicomVR.UN))
        {
            throw new ArgumentException($"{typeof(T).Name} values cannot be stored as {vr}.", nameof(vr));
        }

        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            ByteSwap.ToLittleEndian(bytes, vr.UnitSize);
        }

        if ((bytes.Length & 1) == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
        }

        return Add(new DicomElement(tag, vr, DicomBuffer.FromBytes(bytes)));
    }

    public DicomDataset SetUInt16(DicomTag tag, params ushort[] values) => SetValues(tag, DicomVR.US, values);

    public DicomDataset SetUInt32(DicomTag tag, params uint[] values) => SetValues(tag, DicomVR.UL, values);

    public DicomDataset SetTags(DicomTag tag, params DicomTag[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4 * i), values[i].Group);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4 * i + 2), values[i].Element);
        }

        return Add(new DicomElement(tag, DicomVR.AT, DicomBuffer.FromBytes(bytes)));
    }

    public DicomDataset SetBytes(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> bytes) =>
        Add(new DicomElement(tag, vr, DicomBuffer.FromBytes(bytes)));

    /// <summary>Sets a sequence; its items' parent becomes this data set.</summary>
    public DicomSequence SetSequence(DicomTag tag, params DicomDataset[] items)
    {
        var sequence = new DicomSequence(tag, items);
        Add(sequence);
        return sequence;
    }

    /// <summary>Adds an item to a sequence, creating the sequence if needed.</summary>
    public DicomDataset AddSequenceItem(DicomTag tag, DicomDataset item)
    {
        var sequence = GetSequence(tag) ?? SetSequence(tag);
        item.Parent = this;
        sequence.Items.Add(item);
        return item;
    }

    /// <summary>
    /// The tag of private element <paramref name="element"/> (0x00-0xFF) in the block <paramref name="creator"/>
    /// reserved in odd group <paramref name="group"/> (PS3.5 §7.8.1), or null when no such block is reserved. Private
    /// element numbers differ from file to file; only creator and offset identify them.
    /// </summary>
    public DicomTag? FindPrivateTag(ushort group, string creator, byte element)
    {
        for (ushort block = 0x10; block <= 0xFF; block++)
        {
            var creatorTag = new DicomTag(group, block);
            if (Find(creatorTag) is DicomElement { VR.Kind: DicomVRKind.Text } && GetString(creatorTag)?.Trim() == creator)
            {
                return new DicomTag(group, (ushort)((block << 8) | element));
            }
        }

        return null;
    }

    /// <summary>
    /// Like <see cref="FindPrivateTag"/>, reserving the first free block for <paramref name="creator"/> when it has
    /// none yet (PS3.5 §7.8.1: the creator element (gggg,00xx) reserves (gggg,xx00-xxFF)).
    /// </summary>
    public DicomTag ReservePrivateTag(ushort group, string creator, byte element)
    {
        if ((group & 1) == 0 || group <= 0x0007 || group == 0xFFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(group), $"Private groups are odd and above 0007 (PS3.5 §7.8.1), not {group:X4}.");
        }

        if (FindPrivateTag(group, creator, element) is { } existing)
        {
            return existing;
        }

        for (ushort block = 0x10; block <= 0xFF; block++)
        {
            var creatorTag = new DicomTag(group, block);
            if (!Contains(creatorTag))
            {
                SetString(creatorTag, DicomVR.LO, creator);
                return new DicomTag(group, (ushort)((block << 8) | element));
            }
        }

        throw new InvalidOperationException($"All 240 private blocks of group {group:X4} are reserved.");
    }

    internal void AddParsed(DicomItem item) => Add(item);

    internal static string[] SplitValues(string text, DicomVR vr, bool trimLeading)
    {
        if (!vr.IsMultiValued)
        {
            return [text.TrimEnd(' ', '\0')];
        }

        var values = text.Split('\\');
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = trimLeading ? values[i].Trim(' ', '\0') : values[i].TrimEnd(' ', '\0');
        }

        return values;
    }

    private string DecodeText(DicomElement element)
    {
        if (element.VR.Kind != DicomVRKind.Text)
        {
            throw new InvalidOperationException($"{element.Tag} is {element.VR}, not text.");
        }

        var bytes = element.Buffer.GetBytes().Span;
        return element.VR.UsesSpecificCharacterSet ? CharacterSet.Decode(bytes) : Encoding.Latin1.GetString(bytes);
    }

    private static byte[] EncodeAscii(string value, DicomTag tag)
    {
        if (!Ascii.IsValid(value))
        {
            throw new ArgumentException($"{tag}: this VR allows only the default character repertoire (PS3.5 §6.1.2).", nameof(value));
        }

        return Encoding.ASCII.GetBytes(value);
    }

    private static DicomVR DictionaryVR(DicomTag tag) =>
        DicomDictionary.Find(tag)?.VR is { } vr && vr != DicomVR.UN
            ? vr
            : throw new ArgumentException($"{tag} has no VR in the dictionary; pass one.", nameof(tag));

    private static DicomSequence CloneSequence(DicomSequence sequence, DicomDataset parent)
    {
        var copy = new DicomSequence(sequence.Tag, sequence.Items.Select(i => i.Clone())) { UndefinedLength = sequence.UndefinedLength };
        foreach (var item in copy.Items)
        {
            item.Parent = parent;
        }

        return copy;
    }

    private int IndexOf(DicomTag tag)
    {
        int lo = 0, hi = _items.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var value = _items[mid].Tag.Value;
            if (value == tag.Value)
            {
                return mid;
            }

            if (value < tag.Value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return ~lo;
    }
}
