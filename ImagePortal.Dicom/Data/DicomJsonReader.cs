// Over 400 lines: one reader of the DICOM JSON Model, element by element and VR by VR (text, person names, numbers,
// inline binary, fragments, character sets), mirroring DicomJsonWriter; the parts share its error and charset rules.
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// Reads the DICOM JSON Model (PS3.18 §F.2), the counterpart of <see cref="DicomJsonWriter"/>: an object keyed by
/// 8-digit tags, each with "vr" and "Value", "InlineBinary" or "BulkDataURI". JSON text is Unicode; values of the VRs
/// that use Specific Character Set are encoded in the data set's (0008,0005) where it can hold them, otherwise the
/// data set is switched to ISO_IR 192 (UTF-8) so that no character is lost. The input comes from another system and
/// is hostile until checked: every malformed part is a <see cref="DicomFormatException"/> naming the tag.
/// </summary>
public static class DicomJsonReader
{
    private const int MaxDepth = 64;
    private const string Utf8Term = "ISO_IR 192";

    /// <summary>Reads one data set (a JSON object).</summary>
    /// <param name="bulkData">
    /// Called for an element given by "BulkDataURI" (PS3.18 §F.2.6) with its tag, VR and URI; returns its value, or
    /// null to leave the element out. Without it such an element is refused: silently dropping a value would lose data.
    /// </param>
    public static DicomDataset Read(JsonElement json, Func<DicomTag, DicomVR, string, DicomBuffer?>? bulkData = null)
    {
        var dataset = new DicomDataset();
        ReadInto(dataset, json, bulkData, utf8: false, depth: 0);
        return dataset;
    }

    /// <summary>Reads a JSON array of data sets, as a QIDO-RS answer or WADO-RS metadata gives them.</summary>
    public static IReadOnlyList<DicomDataset> ReadArray(string json, Func<DicomTag, DicomVR, string, DicomBuffer?>? bulkData = null)
    {
        using var document = Parse(json);
        return ReadArray(document.RootElement, bulkData);
    }

    public static IReadOnlyList<DicomDataset> ReadArray(JsonElement json, Func<DicomTag, DicomVR, string, DicomBuffer?>? bulkData = null)
    {
        if (json.ValueKind != JsonValueKind.Array)
        {
            throw Error($"a DICOM JSON answer is an array of data sets, not {json.ValueKind}");
        }

        return json.EnumerateArray().Select(item => Read(item, bulkData)).ToList();
    }

    /// <summary>
    /// Reads a JSON array of data sets from <paramref name="stream"/> one data set at a time, so a long QIDO-RS answer
    /// is never held whole as text or as a JSON document.
    /// </summary>
    public static async IAsyncEnumerable<DicomDataset> ReadArrayAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var options = new JsonSerializerOptions { MaxDepth = MaxDepth * 2 + 4 };
        IAsyncEnumerator<JsonElement> items;
        try
        {
            items = JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(stream, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (JsonException error)
        {
            throw Error($"the answer is not a JSON array: {error.Message}", error);
        }

        await using (items)
        {
            while (true)
            {
                try
                {
                    if (!await items.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (JsonException error)
                {
                    throw Error($"the answer is not valid JSON: {error.Message}", error);
                }

                yield return Read(items.Current);
            }
        }
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth * 2 + 4 });
        }
        catch (JsonException error)
        {
            throw Error($"not valid JSON: {error.Message}", error);
        }
    }

    private static void ReadInto(DicomDataset dataset, JsonElement json, Func<DicomTag, DicomVR, string, DicomBuffer?>? bulkData, bool utf8, int depth)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw Error($"a data set is a JSON object, not {json.ValueKind}");
        }

        if (depth > MaxDepth)
        {
            throw Error($"sequences nest deeper than {MaxDepth} levels");
        }

        // Specific Character Set first: the other text values are encoded with it (JSON keys need not be in order).
        // An item that declares its own (PS3.5 §7.5.3) is decided on its own; one that does not inherits the decision.
        var declares = json.TryGetProperty("00080005", out var characterSet);
        if (declares || depth == 0)
        {
            utf8 = NeedsUtf8(json);
        }

        if (declares)
        {
            if (utf8)
            {
                dataset.Add(Text(DicomTag.SpecificCharacterSet, DicomVR.CS, Utf8Term, DicomCharacterSet.Default));
            }
            else
            {
                ReadElement(dataset, DicomTag.SpecificCharacterSet, characterSet, bulkData, utf8, depth);
            }
        }
        else if (utf8 && depth == 0)
        {
            dataset.Add(Text(DicomTag.SpecificCharacterSet, DicomVR.CS, Utf8Term, DicomCharacterSet.Default));
        }

        foreach (var property in json.EnumerateObject())
        {
            if (!TryParseKey(property.Name, out var tag))
            {
                throw Error($"'{Shorten(property.Name)}' is not a tag of eight hexadecimal digits (PS3.18 §F.2.1)");
            }

            if (tag == DicomTag.SpecificCharacterSet)
            {
                continue;
            }

            if (tag.IsDelimiter)
            {
                throw Error($"{tag} is an item or delimiter tag, not a data element");
            }

            ReadElement(dataset, tag, property.Value, bulkData, utf8, depth);
        }
    }

    private static void ReadElement(DicomDataset dataset, DicomTag tag, JsonElement json, Func<DicomTag, DicomVR, string, DicomBuffer?>? bulkData, bool utf8, int depth)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw Error($"{tag}: an attribute is a JSON object with \"vr\", not {json.ValueKind}");
        }

        var vr = ReadVR(tag, json);
        var hasValue = json.TryGetProperty("Value", out var value) && value.ValueKind != JsonValueKind.Null;
        var hasInline = json.TryGetProperty("InlineBinary", out var inline) && inline.ValueKind != JsonValueKind.Null;
        var hasUri = json.TryGetProperty("BulkDataURI", out var uri) && uri.ValueKind != JsonValueKind.Null;
        if ((hasValue ? 1 : 0) + (hasInline ? 1 : 0) + (hasUri ? 1 : 0) > 1)
        {
            throw Error($"{tag}: an attribute has one of \"Value\", \"InlineBinary\" and \"BulkDataURI\", not several (PS3.18 §F.2.2)");
        }

        if (vr == DicomVR.SQ)
        {
            if (hasInline || hasUri)
            {
                throw Error($"{tag}: a sequence's items are given in \"Value\"");
            }

            dataset.SetSequence(tag);
            if (hasValue)
            {
                foreach (var item in Array(tag, value))
                {
                    var nested = dataset.AddSequenceItem(tag, new DicomDataset());
                    ReadInto(nested, item, bulkData, utf8, depth + 1);
                }
            }

            return;
        }

        if (hasUri)
        {
            if (uri.ValueKind != JsonValueKind.String)
            {
                throw Error($"{tag}: \"BulkDataURI\" is a string");
            }

            if (bulkData is null)
            {
                throw Error($"{tag}: its value is only referenced by a BulkDataURI, and this reader was not given a way to fetch it");
            }

            if (bulkData(tag, vr, uri.GetString()!) is { } fetched)
            {
                dataset.Add(new DicomElement(tag, vr, fetched));
            }

            return;
        }

        if (hasInline)
        {
            dataset.Add(ReadInline(tag, vr, inline));
            return;
        }

        if (!hasValue)
        {
            dataset.Add(new DicomElement(tag, vr, DicomBuffer.Empty));
            return;
        }

        var values = Array(tag, value);
        switch (vr.Kind)
        {
            case DicomVRKind.Number:
                dataset.Add(new DicomElement(tag, vr, DicomBuffer.FromBytes(Numbers(tag, vr, values))));
                break;
            case DicomVRKind.Text:
                var joined = string.Join('\\', values.Select(v => TextValue(tag, vr, v)));
                if (!vr.IsMultiValued && values.Count > 1)
                {
                    throw Error($"{tag}: {vr} holds one value, not {values.Count}");
                }

                dataset.Add(Text(tag, vr, joined, dataset.CharacterSet));
                break;
            default:
                throw Error($"{tag}: {vr} values are given as \"InlineBinary\" or \"BulkDataURI\", not \"Value\" (PS3.18 §F.2.7)");
        }
    }

    private static DicomVR ReadVR(DicomTag tag, JsonElement json)
    {
        if (!json.TryGetProperty("vr", out var code))
        {
            // PS3.18 §F.2.2 requires "vr"; a tolerant reader falls back on the dictionary, as the DICOM reader does for implicit VR.
            return DicomDictionary.Find(tag)?.VR ?? DicomVR.UN;
        }

        if (code.ValueKind != JsonValueKind.String || !DicomVR.TryParse(code.GetString()!, out var vr))
        {
            throw Error($"{tag}: \"vr\" {Shorten(code.GetRawText())} is not a value representation of PS3.5 Table 6.2-1");
        }

        return vr;
    }

    private static IReadOnlyList<JsonElement> Array(DicomTag tag, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error($"{tag}: \"Value\" is an array (PS3.18 §F.2.4), not {value.ValueKind}");
        }

        return value.EnumerateArray().ToList();
    }

    private static string TextValue(DicomTag tag, DicomVR vr, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return string.Empty;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (vr.IsMultiValued && text.Contains('\\'))
                {
                    throw Error($"{tag}: a value of {vr} cannot hold a backslash, the value separator (PS3.5 §6.4)");
                }

                return text;
            case JsonValueKind.Number when vr == DicomVR.IS || vr == DicomVR.DS:
                // The number as written: 2.50 stays "2.50", with no binary round trip in between.
                return value.GetRawText();
            case JsonValueKind.Object when vr == DicomVR.PN:
                return new DicomPersonName(
                    PersonNameGroup(tag, value, "Alphabetic"),
                    PersonNameGroup(tag, value, "Ideographic"),
                    PersonNameGroup(tag, value, "Phonetic")).ToString();
            default:
                throw Error($"{tag}: a {vr} value cannot be {value.ValueKind}");
        }
    }

    private static string PersonNameGroup(DicomTag tag, JsonElement name, string group)
    {
        if (!name.TryGetProperty(group, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Error($"{tag}: the {group} name is a string");
        }

        var text = value.GetString()!;
        return text.IndexOfAny(['=', '\\']) >= 0 ? throw Error($"{tag}: the {group} name holds '=' or '\\'") : text;
    }

    private static DicomElement Text(DicomTag tag, DicomVR vr, string text, DicomCharacterSet characterSet)
    {
        byte[] bytes;
        if (vr.UsesSpecificCharacterSet)
        {
            try
            {
                bytes = characterSet.Encode(text);
            }
            catch (ArgumentException error)
            {
                throw Error($"{tag}: {error.Message}", error);
            }
        }
        else
        {
            // The other text VRs are the default repertoire (PS3.5 §6.1.2); the DICOM reader decodes them as Latin-1, so
            // that is what is written back. UIDs are kept as given: checking them is the reader's job (GetUid).
            if (text.Any(c => c > '\u00FF'))
            {
                throw Error($"{tag}: {vr} allows only the default character repertoire (PS3.5 §6.1.2)");
            }

            bytes = Encoding.Latin1.GetBytes(text);
        }

        if ((bytes.Length & 1) == 1)
        {
            System.Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.PaddingByte;
        }

        return new DicomElement(tag, vr, DicomBuffer.FromBytes(bytes));
    }

    private static byte[] Numbers(DicomTag tag, DicomVR vr, IReadOnlyList<JsonElement> values)
    {
        var size = vr == DicomVR.AT ? 4 : vr.UnitSize;
        var bytes = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i];
            var unit = bytes.AsSpan(i * size, size);
            if (vr == DicomVR.AT)
            {
                if (value.ValueKind != JsonValueKind.String || !TryParseKey(value.GetString()!, out var at))
                {
                    throw Error($"{tag}: an AT value is a tag of eight hexadecimal digits");
                }

                BinaryPrimitives.WriteUInt16LittleEndian(unit, at.Group);
                BinaryPrimitives.WriteUInt16LittleEndian(unit[2..], at.Element);
                continue;
            }

            if (!WriteNumber(vr, value, unit))
            {
                throw Error($"{tag}: {Shorten(value.GetRawText())} is not a {vr} value");
            }
        }

        return bytes;
    }

    /// <summary>
    /// One binary number. Integers must fit their VR exactly (a silent wrap would change the value); SV and UV may come
    /// as strings (PS3.18 §F.2.3.1) and FL/FD as "NaN" or "Infinity", as the writer gives what JSON cannot.
    /// </summary>
    private static bool WriteNumber(DicomVR vr, JsonElement value, Span<byte> unit)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String => value.GetString()!,
            _ => null,
        };
        if (text is null)
        {
            return false;
        }

        const NumberStyles integer = NumberStyles.AllowLeadingSign;
        const NumberStyles real = NumberStyles.Float;
        var culture = CultureInfo.InvariantCulture;
        switch (vr.Code)
        {
            case "US" when ushort.TryParse(text, integer, culture, out var us): BinaryPrimitives.WriteUInt16LittleEndian(unit, us); return true;
            case "SS" when short.TryParse(text, integer, culture, out var ss): BinaryPrimitives.WriteInt16LittleEndian(unit, ss); return true;
            case "UL" when uint.TryParse(text, integer, culture, out var ul): BinaryPrimitives.WriteUInt32LittleEndian(unit, ul); return true;
            case "SL" when int.TryParse(text, integer, culture, out var sl): BinaryPrimitives.WriteInt32LittleEndian(unit, sl); return true;
            case "UV" when ulong.TryParse(text, integer, culture, out var uv): BinaryPrimitives.WriteUInt64LittleEndian(unit, uv); return true;
            case "SV" when long.TryParse(text, integer, culture, out var sv): BinaryPrimitives.WriteInt64LittleEndian(unit, sv); return true;
            case "FL" when float.TryParse(text, real, culture, out var fl): BinaryPrimitives.WriteSingleLittleEndian(unit, fl); return true;
            case "FD" when double.TryParse(text, real, culture, out var fd): BinaryPrimitives.WriteDoubleLittleEndian(unit, fd); return true;
            default: return false;
        }
    }

    private static DicomItem ReadInline(DicomTag tag, DicomVR vr, JsonElement inline)
    {
        if (inline.ValueKind != JsonValueKind.String || !inline.TryGetBytesFromBase64(out var bytes))
        {
            throw Error($"{tag}: \"InlineBinary\" is not base64 (PS3.18 §F.2.7)");
        }

        if (vr.Kind is DicomVRKind.Text or DicomVRKind.Number)
        {
            // Allowed for any VR by §F.2.7; the bytes are the value as encoded, little endian.
            return new DicomElement(tag, vr, DicomBuffer.FromBytes(Even(bytes, vr.PaddingByte)));
        }

        if (tag == DicomTag.PixelData && TryReadFragments(tag, vr, bytes) is { } fragments)
        {
            return fragments;
        }

        return new DicomElement(tag, vr, DicomBuffer.FromBytes(Even(bytes, 0)));
    }

    /// <summary>
    /// Encapsulated pixel data as <see cref="DicomJsonWriter"/> gives it: the items (offset table, fragments) and the
    /// sequence delimiter, as encoded (PS3.5 §A.4). Native pixel data that happened to start with an item tag would
    /// also have to end exactly on a sequence delimiter to be taken for it.
    /// </summary>
    private static DicomFragmentSequence? TryReadFragments(DicomTag tag, DicomVR vr, byte[] bytes)
    {
        var items = new List<DicomBuffer>();
        var offset = 0;
        while (offset + 8 <= bytes.Length)
        {
            var itemTag = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            offset += 8;
            if (itemTag == 0xE0DDFFFE)
            {
                return length == 0 && offset == bytes.Length && items.Count > 0
                    ? new DicomFragmentSequence(tag, vr, items[0], items.Skip(1))
                    : null;
            }

            if (itemTag != 0xE000FFFE || length > bytes.Length - offset)
            {
                return null;
            }

            items.Add(DicomBuffer.FromBytes(bytes.AsMemory(offset, (int)length)));
            offset += (int)length;
        }

        return null;
    }

    private static byte[] Even(byte[] bytes, byte padding)
    {
        if ((bytes.Length & 1) == 0)
        {
            return bytes;
        }

        System.Array.Resize(ref bytes, bytes.Length + 1);
        bytes[^1] = padding;
        return bytes;
    }

    /// <summary>
    /// Whether the data set must become UTF-8: it has text that its own Specific Character Set (or the default
    /// repertoire, when it has none) cannot encode. Checked once over the whole tree before anything is written.
    /// </summary>
    private static bool NeedsUtf8(JsonElement json)
    {
        var terms = new List<string>();
        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("00080005", out var declared)
            && declared.ValueKind == JsonValueKind.Object && declared.TryGetProperty("Value", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            terms.AddRange(values.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : string.Empty));
        }

        // Without (0008,0005) only the default repertoire (ASCII) is valid, whatever a lenient decoder would accept.
        var set = terms.Count == 0 ? null : DicomCharacterSet.Create(terms);
        return CharacterSetTexts(json, 0).Any(text => !Ascii.IsValid(text) && (set is null || !CanEncode(set, text)));
    }

    private static bool CanEncode(DicomCharacterSet set, string text)
    {
        try
        {
            return set.Decode(set.Encode(text)) == text;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static IEnumerable<string> CharacterSetTexts(JsonElement json, int depth)
    {
        if (json.ValueKind != JsonValueKind.Object || depth > MaxDepth)
        {
            yield break;
        }

        foreach (var property in json.EnumerateObject())
        {
            var attribute = property.Value;
            if (attribute.ValueKind != JsonValueKind.Object
                || !attribute.TryGetProperty("vr", out var code) || code.ValueKind != JsonValueKind.String
                || !DicomVR.TryParse(code.GetString()!, out var vr)
                || !attribute.TryGetProperty("Value", out var values) || values.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var value in values.EnumerateArray())
            {
                if (vr == DicomVR.SQ && !(value.ValueKind == JsonValueKind.Object && value.TryGetProperty("00080005", out _)))
                {
                    foreach (var text in CharacterSetTexts(value, depth + 1))
                    {
                        yield return text;
                    }
                }
                else if (vr.UsesSpecificCharacterSet && value.ValueKind == JsonValueKind.String)
                {
                    yield return value.GetString()!;
                }
                else if (vr == DicomVR.PN && value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var group in value.EnumerateObject().Where(g => g.Value.ValueKind == JsonValueKind.String))
                    {
                        yield return group.Value.GetString()!;
                    }
                }
            }
        }
    }

    private static bool TryParseKey(string key, out DicomTag tag)
    {
        if (key.Length == 8 && uint.TryParse(key, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            tag = new DicomTag(value);
            return true;
        }

        tag = default;
        return false;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static DicomFormatException Error(string reason, Exception? inner = null) =>
        new(0, $"DICOM JSON: {reason}", inner);
}
