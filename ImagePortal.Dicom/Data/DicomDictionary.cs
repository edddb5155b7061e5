namespace ImagePortal.Dicom.Data;

/// <summary>One public data element of PS3.6: its keyword, VR (DCMTK notation, e.g. <c>US</c> or <c>xs</c>), VM and whether it is retired.</summary>
/// <param name="Tag">The tag; for repeating groups the first of the range.</param>
/// <param name="Mask">Bits of <paramref name="Tag"/> that must match (0xFF00FFFF for the repeating groups 50xx and 60xx, PS3.5 §7.6).</param>
public sealed record DicomDictionaryEntry(uint Tag, uint Mask, string Keyword, string ValueRepresentation, string ValueMultiplicity, bool IsRetired)
{
    /// <summary>The VR used to read the element in implicit VR transfer syntaxes, with DCMTK's pseudo VRs resolved.</summary>
    public DicomVR VR => DicomVR.FromDictionary(ValueRepresentation);
}

/// <summary>The public data dictionary (generated from DCMTK's <c>dicom.dic</c> by <c>tools/dictgen</c>). Immutable.</summary>
public static partial class DicomDictionary
{
    // Plain dictionaries, never changed after construction: building frozen ones costs more at start-up than a
    // command-line run of the tools ever gains from them.
    private static readonly DicomDictionaryEntry[] Entries = CreateEntries();

    private static readonly Dictionary<uint, DicomDictionaryEntry> ByTag =
        Entries.Where(e => e.Mask == uint.MaxValue).ToDictionary(e => e.Tag);

    private static readonly Dictionary<string, DicomDictionaryEntry> ByKeyword =
        Entries.ToDictionary(e => e.Keyword, StringComparer.Ordinal);

    private static readonly DicomDictionaryEntry[] Repeating = Entries.Where(e => e.Mask != uint.MaxValue).ToArray();

    public static IReadOnlyList<DicomDictionaryEntry> All => Entries;

    private static DicomDictionaryEntry[] CreateEntries()
    {
        var entries = new List<DicomDictionaryEntry>(5000);
        Span<Range> fields = stackalloc Range[7];
        foreach (var line in EntryData.AsSpan().EnumerateLines())
        {
            if (line.Split(fields, '\t') != 6)
            {
                continue;
            }

            entries.Add(new DicomDictionaryEntry(
                uint.Parse(line[fields[0]], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture),
                uint.Parse(line[fields[1]], System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture),
                line[fields[2]].ToString(),
                line[fields[3]].ToString(),
                line[fields[4]].ToString(),
                line[fields[5]] is "R"));
        }

        return entries.ToArray();
    }

    /// <summary>The public entry of <paramref name="tag"/>, or null for private and unknown tags.</summary>
    public static DicomDictionaryEntry? Find(DicomTag tag)
    {
        if (ByTag.TryGetValue(tag.Value, out var entry))
        {
            return entry;
        }

        if (tag.IsPrivate)
        {
            return null;
        }

        foreach (var candidate in Repeating)
        {
            if ((tag.Value & candidate.Mask) == candidate.Tag)
            {
                return candidate;
            }
        }

        return null;
    }

    public static DicomDictionaryEntry? FindByKeyword(string keyword) =>
        ByKeyword.TryGetValue(keyword, out var entry) ? entry : null;

    /// <summary>
    /// The VR an implicit VR reader assumes for <paramref name="tag"/> (PS3.5 §7.1.3): the dictionary's, UL for group
    /// lengths, LO for private creators (PS3.5 §7.8.1), UN for everything else.
    /// </summary>
    public static DicomVR ImplicitVR(DicomTag tag)
    {
        if (tag.IsGroupLength)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivateCreator)
        {
            return DicomVR.LO;
        }

        return Find(tag)?.VR ?? DicomVR.UN;
    }
}
