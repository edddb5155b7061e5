using System.Text;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// Decodes and encodes the text of SH, LO, ST, LT, PN, UC and UT values according to Specific Character Set
/// (0008,0005) (PS3.5 §6.1, PS3.3 C.12.1.1.2). Single-byte sets and UTF-8/GB18030/GBK map to one .NET encoding;
/// the ISO 2022 code extensions (PS3.5 §6.1.2.5) switch code elements with escape sequences inside the value.
/// </summary>
public sealed class DicomCharacterSet
{
    private static readonly Lazy<bool> CodePagesRegistered = new(() =>
    {
        // Legacy code pages (ISO 8859-x, Shift_JIS, EUC-KR, GB 18030) live in the framework but must be registered.
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return true;
    });

    private readonly CodeElement[] _elements;

    private DicomCharacterSet(string[] terms, CodeElement[] elements, bool usesCodeExtensions)
    {
        Terms = terms;
        _elements = elements;
        UsesCodeExtensions = usesCodeExtensions;
    }

    /// <summary>The default repertoire ISO_IR 6 (ASCII), used when (0008,0005) is absent or empty.</summary>
    public static DicomCharacterSet Default { get; } = Create([]);

    /// <summary>The defined terms of (0008,0005) this set was built from.</summary>
    public IReadOnlyList<string> Terms { get; }

    /// <summary>True for the "ISO 2022 IR nnn" terms: values may switch character sets with escape sequences.</summary>
    public bool UsesCodeExtensions { get; }

    /// <summary>
    /// Builds the character set of the defined terms of (0008,0005). Unknown terms fall back to ISO_IR 6 for their
    /// code element, as DCMTK and pydicom do, rather than rejecting the whole data set.
    /// </summary>
    public static DicomCharacterSet Create(IReadOnlyList<string> terms)
    {
        _ = CodePagesRegistered.Value;
        var cleaned = terms.Select(t => t.Trim()).ToArray();
        var extensions = cleaned.Length > 1 || cleaned.Any(t => t.StartsWith("ISO 2022", StringComparison.Ordinal));
        var elements = new List<CodeElement>();
        foreach (var term in cleaned)
        {
            elements.Add(CodeElement.FromTerm(term));
        }

        if (elements.Count == 0)
        {
            elements.Add(CodeElement.FromTerm(string.Empty));
        }

        return new DicomCharacterSet(cleaned, elements.ToArray(), extensions);
    }

    /// <summary>Decodes a value (all of its values, backslashes included).</summary>
    public string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (!UsesCodeExtensions || bytes.IndexOf((byte)0x1B) < 0)
        {
            return _elements[0].Decode(bytes, isG1: false);
        }

        return DecodeWithEscapes(bytes);
    }

    /// <summary>
    /// Encodes text in the first character set of (0008,0005). Fails where that set cannot represent the text; the
    /// caller should then set (0008,0005) to ISO_IR 192 (UTF-8).
    /// </summary>
    public byte[] Encode(string text)
    {
        var element = _elements[0];
        if (UsesCodeExtensions && !Ascii.IsValid(text) && !element.Encoding.IsSingleByte)
        {
            throw new ArgumentException($"Writing non-ASCII text with ISO 2022 code extensions ({string.Join('\\', Terms)}) is not supported; use ISO_IR 192.");
        }

        var encoding = element.StrictEncoding;
        try
        {
            return encoding.GetBytes(text);
        }
        catch (EncoderFallbackException exception)
        {
            throw new ArgumentException($"'{text}' cannot be encoded in the character set {string.Join('\\', Terms)}; use ISO_IR 192.", exception);
        }
    }

    /// <summary>
    /// PS3.5 §6.1.2.5.3: each escape sequence designates a code element into G0 or G1; bytes below 0x80 go to G0,
    /// bytes from 0xA0 to G1. Runs of bytes in the same code element are decoded together. The initial state is the
    /// first value of (0008,0005), in G0 ASCII and in G1 its upper half; delimiters (CR, LF, FF, TAB, and for PN
    /// the ^ and = of the components) return G0 to ASCII (§6.1.2.5.3 b), which also covers writers that omit the
    /// escape back.
    /// </summary>
    private string DecodeWithEscapes(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        var initialG0 = _elements[0].IsG0Capable ? _elements[0] : CodeElement.Ascii;
        var g0 = initialG0;
        var g1 = _elements[0];
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            if (b == 0x1B)
            {
                var consumed = ParseEscape(bytes[i..], ref g0, ref g1);
                if (consumed == 0)
                {
                    builder.Append('\u001B');
                    consumed = 1;
                }

                i += consumed;
                continue;
            }

            var start = i;
            var isG1 = b >= 0x80;
            var element = isG1 ? g1 : g0;
            while (i < bytes.Length && bytes[i] != 0x1B && (bytes[i] >= 0x80) == isG1)
            {
                if (!isG1 && IsDelimiter(bytes[i]) && !g0.IsMultiByte)
                {
                    break;
                }

                if (!isG1 && element.IsMultiByte)
                {
                    i += 2;
                    if (i > bytes.Length)
                    {
                        i = bytes.Length;
                    }

                    continue;
                }

                i++;
            }

            if (i == start)
            {
                // A delimiter in a single-byte G0: emit it and reset G0 to the initial code element.
                builder.Append((char)bytes[i]);
                g0 = initialG0;
                i++;
                continue;
            }

            builder.Append(element.Decode(bytes[start..i], isG1));
        }

        return builder.ToString();
    }

    private static bool IsDelimiter(byte b) => b is 0x0D or 0x0A or 0x0C or 0x09 or (byte)'^' or (byte)'=' or (byte)'\\';

    private int ParseEscape(ReadOnlySpan<byte> bytes, ref CodeElement g0, ref CodeElement g1)
    {
        foreach (var element in CodeElement.Known)
        {
            if (element.Escape.Length > 0 && bytes.StartsWith(element.Escape))
            {
                if (element.IsG0Capable && element.Escape[1] is (byte)'(' or (byte)'$' && !(element.Escape.Length == 4 && element.Escape[2] == (byte)')'))
                {
                    g0 = element;
                }
                else
                {
                    g1 = element;
                }

                return element.Escape.Length;
            }
        }

        return 0;
    }

    /// <summary>One code element: a defined term, its escape sequence (PS3.3 Tables C.12-3/-4) and how to decode it.</summary>
    private sealed class CodeElement
    {
        // Encodings are created on first use: the CJK code pages load large tables, which a data set in
        // ISO_IR 100 should not pay for (startup time and memory of every CLI run).
        private readonly Lazy<Encoding> _encoding;

        private CodeElement(string escape, int codePage, Kind kind)
            : this(escape, () => Encoding.GetEncoding(codePage), kind)
        {
        }

        private CodeElement(string escape, Func<Encoding> encoding, Kind kind)
        {
            Escape = Encoding.ASCII.GetBytes(escape.Replace("ESC", "\u001B", StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal));
            _encoding = new Lazy<Encoding>(() =>
            {
                _ = CodePagesRegistered.Value;
                return encoding();
            });
            DecodeKind = kind;
        }

        private enum Kind
        {
            SingleByte,
            Jis0208,
            Jis0212,
            HighBytes,
            Whole,
        }

        public static CodeElement Ascii { get; } = new("ESC ( B", () => Encoding.Latin1, Kind.SingleByte);

        public static CodeElement[] Known { get; } = CreateKnown();

        private static CodeElement Utf8 { get; } = new(string.Empty, () => new UTF8Encoding(false), Kind.Whole);

        private static CodeElement Gb18030 { get; } = new(string.Empty, 54936, Kind.Whole);

        private static CodeElement Gbk { get; } = new(string.Empty, 936, Kind.Whole);

        public byte[] Escape { get; }

        public Encoding Encoding => _encoding.Value;

        /// <summary>For writing: fails on characters the set cannot hold instead of writing '?'. ASCII for ISO_IR 6.</summary>
        public Encoding StrictEncoding => ReferenceEquals(this, Ascii)
            ? Encoding.GetEncoding(Encoding.ASCII.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback)
            : Encoding.GetEncoding(Encoding.CodePage, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);

        private Kind DecodeKind { get; }

        public bool IsMultiByte => DecodeKind is Kind.Jis0208 or Kind.Jis0212;

        public bool IsG0Capable => DecodeKind is Kind.SingleByte or Kind.Jis0208 or Kind.Jis0212 or Kind.Whole;

        public static CodeElement FromTerm(string term)
        {
            return term switch
            {
                "" or "ISO_IR 6" or "ISO 2022 IR 6" => Ascii,
                "ISO_IR 100" or "ISO 2022 IR 100" => Known[1],
                "ISO_IR 101" or "ISO 2022 IR 101" => Known[2],
                "ISO_IR 109" or "ISO 2022 IR 109" => Known[3],
                "ISO_IR 110" or "ISO 2022 IR 110" => Known[4],
                "ISO_IR 144" or "ISO 2022 IR 144" => Known[5],
                "ISO_IR 127" or "ISO 2022 IR 127" => Known[6],
                "ISO_IR 126" or "ISO 2022 IR 126" => Known[7],
                "ISO_IR 138" or "ISO 2022 IR 138" => Known[8],
                "ISO_IR 148" or "ISO 2022 IR 148" => Known[9],
                "ISO_IR 203" or "ISO 2022 IR 203" => Known[10],
                "ISO_IR 166" or "ISO 2022 IR 166" => Known[11],
                "ISO_IR 13" or "ISO 2022 IR 13" => Known[12],
                "ISO 2022 IR 87" => Known[14],
                "ISO 2022 IR 159" => Known[15],
                "ISO 2022 IR 149" => Known[16],
                "ISO 2022 IR 58" => Known[17],
                "ISO_IR 192" => Utf8,
                "GB18030" => Gb18030,
                "GBK" => Gbk,
                _ => Ascii,
            };
        }

        public string Decode(ReadOnlySpan<byte> bytes, bool isG1)
        {
            switch (DecodeKind)
            {
                case Kind.Jis0208:
                case Kind.Jis0212:
                {
                    // JIS X 0208/0212 in G0 are 7-bit byte pairs; EUC-JP carries the same code points with the high
                    // bit set, and JIS X 0212 behind the single shift 0x8F.
                    var prefix = DecodeKind == Kind.Jis0212 ? 1 : 0;
                    var pairs = bytes.Length / 2;
                    var euc = new byte[pairs * (2 + prefix) + (bytes.Length & 1)];
                    var o = 0;
                    for (var p = 0; p < pairs; p++)
                    {
                        if (prefix == 1)
                        {
                            euc[o++] = 0x8F;
                        }

                        euc[o++] = (byte)(bytes[2 * p] | 0x80);
                        euc[o++] = (byte)(bytes[2 * p + 1] | 0x80);
                    }

                    if ((bytes.Length & 1) == 1)
                    {
                        euc[o] = bytes[^1];
                    }

                    return Encoding.GetString(euc);
                }

                case Kind.HighBytes when !isG1:
                    return Encoding.Latin1.GetString(bytes);
                default:
                    return Encoding.GetString(bytes);
            }
        }

        private static CodeElement[] CreateKnown()
        {
            return
            [
                Ascii,
                new("ESC - A", 28591, Kind.SingleByte),
                new("ESC - B", 28592, Kind.SingleByte),
                new("ESC - C", 28593, Kind.SingleByte),
                new("ESC - D", 28594, Kind.SingleByte),
                new("ESC - L", 28595, Kind.SingleByte),
                new("ESC - G", 28596, Kind.SingleByte),
                new("ESC - F", 28597, Kind.SingleByte),
                new("ESC - H", 28598, Kind.SingleByte),
                new("ESC - M", 28599, Kind.SingleByte),
                new("ESC - b", 28605, Kind.SingleByte),
                new("ESC - T", 874, Kind.SingleByte),
                // ISO_IR 13: JIS X 0201 katakana in G1 (ESC ) I); Shift_JIS decodes 0xA1-0xDF as exactly these.
                new("ESC ) I", 932, Kind.SingleByte),
                // JIS X 0201 romaji in G0 (ESC ( J): ASCII but for yen and overline, which DCMTK and pydicom also map to ASCII.
                new("ESC ( J", () => Encoding.Latin1, Kind.SingleByte),
                new("ESC $ B", 51932, Kind.Jis0208),
                new("ESC $ ( D", 20932, Kind.Jis0212),
                // KS X 1001 (ESC $ ) C) and GB 2312 (ESC $ ) A) sit in G1 with the high bit set: EUC-KR and EUC-CN bytes.
                new("ESC $ ) C", 949, Kind.HighBytes),
                new("ESC $ ) A", 936, Kind.HighBytes),
            ];
        }
    }
}
