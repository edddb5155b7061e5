namespace ImagePortal.Dicom.Data;

/// <summary>How a <see cref="DicomVR"/>'s value is interpreted.</summary>
public enum DicomVRKind
{
    /// <summary>Character string; multiple values are separated by a backslash unless the VR is single-valued (LT, ST, UT, UR).</summary>
    Text,

    /// <summary>Fixed-size binary numbers (AT, FL, FD, SL, SS, SV, UL, US, UV).</summary>
    Number,

    /// <summary>Byte or word streams (OB, OD, OF, OL, OV, OW, UN).</summary>
    Bytes,

    /// <summary>A sequence of items (SQ).</summary>
    Sequence,
}

/// <summary>
/// A value representation of PS3.5 §6.2 (Table 6.2-1), with its encoding properties. The instances are the static
/// properties; there are no others, so reference equality is value equality.
/// </summary>
public sealed class DicomVR
{
    private DicomVR(string code, DicomVRKind kind, bool longLength, byte padding, int unitSize, bool multiValued, bool specificCharacterSet, long maxLength)
    {
        Code = code;
        Kind = kind;
        HasLongLength = longLength;
        PaddingByte = padding;
        UnitSize = unitSize;
        IsMultiValued = multiValued;
        UsesSpecificCharacterSet = specificCharacterSet;
        MaxLength = maxLength;
        Id = (ushort)((code[0] << 8) | code[1]);
    }

    /// <summary>The two-letter code, e.g. <c>PN</c>.</summary>
    public string Code { get; }

    public DicomVRKind Kind { get; }

    /// <summary>
    /// True where explicit VR encodings use 2 reserved bytes and a 32-bit length (PS3.5 §7.1.2, Table 7.1-1: OB, OD, OF,
    /// OL, OV, OW, SQ, SV, UC, UN, UR, UT, UV); false where the length is 16 bits (Table 7.1-2).
    /// </summary>
    public bool HasLongLength { get; }

    /// <summary>The byte that pads a value to even length (PS3.5 §6.2): space for text, NUL for UI and binary.</summary>
    public byte PaddingByte { get; }

    /// <summary>Size of one binary unit, for byte swapping between little and big endian (PS3.5 §7.3); 1 for text and OB/UN.</summary>
    public int UnitSize { get; }

    /// <summary>Whether a text value holds several values separated by backslash (PS3.5 §6.4); LT, ST, UT and UR do not.</summary>
    public bool IsMultiValued { get; }

    /// <summary>Whether the value is decoded with Specific Character Set (0008,0005) (PS3.5 §6.1.2.3: SH, LO, ST, LT, PN, UC, UT).</summary>
    public bool UsesSpecificCharacterSet { get; }

    /// <summary>The maximum length of one value in bytes (PS3.5 Table 6.2-1); long.MaxValue where unbounded.</summary>
    public long MaxLength { get; }

    internal ushort Id { get; }

    public static DicomVR AE { get; } = Text("AE", 16);
    public static DicomVR AS { get; } = Text("AS", 4);
    public static DicomVR AT { get; } = new("AT", DicomVRKind.Number, false, 0, 2, true, false, 4);
    public static DicomVR CS { get; } = Text("CS", 16);
    public static DicomVR DA { get; } = Text("DA", 8);
    public static DicomVR DS { get; } = Text("DS", 16);
    public static DicomVR DT { get; } = Text("DT", 26);
    public static DicomVR FD { get; } = Number("FD", 8);
    public static DicomVR FL { get; } = Number("FL", 4);
    public static DicomVR IS { get; } = Text("IS", 12);
    public static DicomVR LO { get; } = Text("LO", 64, charset: true);
    public static DicomVR LT { get; } = Text("LT", 10240, multi: false, charset: true);
    public static DicomVR OB { get; } = Bytes("OB", 1);
    public static DicomVR OD { get; } = Bytes("OD", 8);
    public static DicomVR OF { get; } = Bytes("OF", 4);
    public static DicomVR OL { get; } = Bytes("OL", 4);
    public static DicomVR OV { get; } = Bytes("OV", 8);
    public static DicomVR OW { get; } = Bytes("OW", 2);
    public static DicomVR PN { get; } = Text("PN", 64 * 5, charset: true);
    public static DicomVR SH { get; } = Text("SH", 16, charset: true);
    public static DicomVR SL { get; } = Number("SL", 4);
    public static DicomVR SQ { get; } = new("SQ", DicomVRKind.Sequence, true, 0, 1, false, false, long.MaxValue);
    public static DicomVR SS { get; } = Number("SS", 2);
    public static DicomVR ST { get; } = Text("ST", 1024, multi: false, charset: true);
    public static DicomVR SV { get; } = Number("SV", 8, longLength: true);
    public static DicomVR TM { get; } = Text("TM", 14);
    public static DicomVR UC { get; } = Text("UC", uint.MaxValue - 1, longLength: true, charset: true);
    public static DicomVR UI { get; } = new("UI", DicomVRKind.Text, false, 0, 1, true, false, 64);
    public static DicomVR UL { get; } = Number("UL", 4);
    public static DicomVR UN { get; } = Bytes("UN", 1);
    public static DicomVR UR { get; } = Text("UR", uint.MaxValue - 1, multi: false, longLength: true);
    public static DicomVR US { get; } = Number("US", 2);
    public static DicomVR UT { get; } = Text("UT", uint.MaxValue - 1, multi: false, longLength: true, charset: true);
    public static DicomVR UV { get; } = Number("UV", 8, longLength: true);

    /// <summary>Every VR of PS3.5 Table 6.2-1, in alphabetical order.</summary>
    public static IReadOnlyList<DicomVR> All { get; } =
        [AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV];

    /// <summary>Finds the VR of the two bytes of an explicit VR header; false for anything not in PS3.5 Table 6.2-1.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        var id = (ushort)((first << 8) | second);
        foreach (var candidate in All)
        {
            if (candidate.Id == id)
            {
                vr = candidate;
                return true;
            }
        }

        vr = UN;
        return false;
    }

    public static bool TryParse(string code, out DicomVR vr)
    {
        if (code.Length == 2 && code[0] < 128 && code[1] < 128)
        {
            return TryParse((byte)code[0], (byte)code[1], out vr);
        }

        vr = UN;
        return false;
    }

    public static DicomVR Parse(string code) =>
        TryParse(code, out var vr) ? vr : throw new FormatException($"'{code}' is not a DICOM value representation.");

    /// <summary>
    /// Resolves a dictionary VR. DCMTK's pseudo VRs have several possible encodings; in implicit VR the
    /// standard's defaults apply: US for "US or SS" (xs, lt), OW for "OB or OW" (PS3.5 §A.1: implicit VR pixel
    /// data is OW), UL for up.
    /// </summary>
    internal static DicomVR FromDictionary(string code) => code switch
    {
        "xs" => US,
        "lt" => OW,
        "ox" or "px" => OW,
        "up" => UL,
        "na" => UN,
        _ => TryParse(code, out var vr) ? vr : UN,
    };

    public override string ToString() => Code;

    private static DicomVR Text(string code, long maxLength, bool multi = true, bool longLength = false, bool charset = false) =>
        new(code, DicomVRKind.Text, longLength, (byte)' ', 1, multi, charset, maxLength);

    private static DicomVR Number(string code, int size, bool longLength = false) =>
        new(code, DicomVRKind.Number, longLength, 0, size, true, false, size);

    private static DicomVR Bytes(string code, int unitSize) =>
        new(code, DicomVRKind.Bytes, true, 0, unitSize, false, false, long.MaxValue);
}
