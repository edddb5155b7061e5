using System.Globalization;
using System.Text.Json;

namespace ImagePortal.Tests.Dicom;

/// <summary>
/// Compares two DICOM JSON Model documents (PS3.18 §F.2) as data, not as text: the same tags with the same VRs,
/// strings equal, numbers equal by value (FL within single precision), binary values equal byte for byte after
/// base64 decoding. Returns the differences, each with its path, so a failing test says exactly what differs.
/// </summary>
public static class DicomJsonComparer
{
    public static IReadOnlyList<string> Compare(string ours, string theirs, ISet<string>? ignoredTopLevelTags = null)
    {
        using var left = JsonDocument.Parse(ours, new JsonDocumentOptions { MaxDepth = 1000 });
        using var right = JsonDocument.Parse(theirs, new JsonDocumentOptions { MaxDepth = 1000 });
        var differences = new List<string>();
        CompareDataset(left.RootElement, right.RootElement, string.Empty, differences, ignoredTopLevelTags ?? new HashSet<string>());
        return differences;
    }

    private static void CompareDataset(JsonElement ours, JsonElement theirs, string path, List<string> differences, ISet<string> ignored)
    {
        var ourTags = ours.EnumerateObject().Select(p => p.Name).Where(t => !ignored.Contains(t)).ToHashSet();
        var theirTags = theirs.EnumerateObject().Select(p => p.Name).Where(t => !ignored.Contains(t)).ToHashSet();
        foreach (var missing in theirTags.Except(ourTags))
        {
            differences.Add($"{path}/{missing}: only DCMTK has it");
        }

        foreach (var extra in ourTags.Except(theirTags))
        {
            differences.Add($"{path}/{extra}: only we have it");
        }

        foreach (var tag in ourTags.Intersect(theirTags).Order(StringComparer.Ordinal))
        {
            if (tag == SpecificCharacterSet && IsUtf8Declaration(theirs.GetProperty(tag)))
            {
                // dcm2json converts all text to UTF-8 (JSON is UTF-8, PS3.18 §F.2) and says so by rewriting (0008,0005)
                // to ISO_IR 192; the original character set is compared through the decoded text instead.
                continue;
            }

            CompareElement(ours.GetProperty(tag), theirs.GetProperty(tag), $"{path}/{tag}", differences);
        }
    }

    private const string SpecificCharacterSet = "00080005";

    private static bool IsUtf8Declaration(JsonElement element) =>
        element.TryGetProperty("Value", out var value) && value.GetArrayLength() == 1 && value[0].ValueKind == JsonValueKind.String && value[0].GetString() == "ISO_IR 192";

    /// <summary>
    /// DCMTK pads odd-length values with one zero byte when it reads them (dcmdata keeps values even, PS3.5 §7.1.1);
    /// we keep the bytes as they were. One trailing NUL of difference is the same value.
    /// </summary>
    private static bool SameBinary(byte[] ours, byte[] theirs) =>
        ours.AsSpan().SequenceEqual(theirs) ||
        (ours.Length % 2 == 1 && theirs.Length == ours.Length + 1 && theirs[^1] == 0 && theirs.AsSpan(0, ours.Length).SequenceEqual(ours));

    private static void CompareElement(JsonElement ours, JsonElement theirs, string path, List<string> differences)
    {
        var vr = ours.GetProperty("vr").GetString()!;
        var theirVR = theirs.GetProperty("vr").GetString()!;
        if (vr != theirVR)
        {
            differences.Add($"{path}: VR {vr}, DCMTK {theirVR}");
            return;
        }

        var ourBinary = ours.TryGetProperty("InlineBinary", out var ob) ? ob.GetBytesFromBase64() : null;
        var theirBinary = theirs.TryGetProperty("InlineBinary", out var tb) ? tb.GetBytesFromBase64() : null;
        if (ourBinary is not null || theirBinary is not null)
        {
            if (!SameBinary(ourBinary ?? [], theirBinary ?? []))
            {
                differences.Add($"{path}: binary values differ ({ourBinary?.Length ?? 0} bytes, DCMTK {theirBinary?.Length ?? 0})");
            }

            return;
        }

        var ourValues = ours.TryGetProperty("Value", out var ov) ? ov.EnumerateArray().ToList() : [];
        var theirValues = theirs.TryGetProperty("Value", out var tv) ? tv.EnumerateArray().ToList() : [];
        if (ourValues.Count != theirValues.Count)
        {
            differences.Add($"{path}: {ourValues.Count} values, DCMTK {theirValues.Count}");
            return;
        }

        for (var i = 0; i < ourValues.Count; i++)
        {
            CompareValue(vr, ourValues[i], theirValues[i], $"{path}[{i}]", differences);
        }
    }

    private static void CompareValue(string vr, JsonElement ours, JsonElement theirs, string path, List<string> differences)
    {
        if (vr == "SQ")
        {
            CompareDataset(ours, theirs, path, differences, new HashSet<string>());
            return;
        }

        if (ours.ValueKind == JsonValueKind.Number && theirs.ValueKind == JsonValueKind.Number)
        {
            var a = ours.GetDouble();
            var b = theirs.GetDouble();
            // FL is single precision: the same float may be printed with more or fewer digits (denormals included).
            var same = vr is "FL" or "OF" ? (float)a == (float)b : a == b || Math.Abs(a - b) <= 1e-12 * Math.Max(Math.Abs(a), Math.Abs(b));
            if (!same)
            {
                differences.Add($"{path}: {a.ToString("R", CultureInfo.InvariantCulture)}, DCMTK {b.ToString("R", CultureInfo.InvariantCulture)}");
            }

            return;
        }

        if (ours.ValueKind == JsonValueKind.Object || theirs.ValueKind == JsonValueKind.Object)
        {
            foreach (var group in new[] { "Alphabetic", "Ideographic", "Phonetic" })
            {
                var a = ours.ValueKind == JsonValueKind.Object && ours.TryGetProperty(group, out var x) ? x.GetString() : null;
                var b = theirs.ValueKind == JsonValueKind.Object && theirs.TryGetProperty(group, out var y) ? y.GetString() : null;
                if (Undecodable(b))
                {
                    continue;
                }

                // Trailing empty components carry nothing (PS3.5 §6.2.1.1).
                if ((a ?? string.Empty).TrimEnd('^') != (b ?? string.Empty).TrimEnd('^'))
                {
                    differences.Add($"{path}.{group}: '{a}', DCMTK '{b}'");
                }
            }

            return;
        }

        var ourText = Text(ours);
        var theirText = Text(theirs);
        if (ourText != theirText && !Undecodable(theirText))
        {
            differences.Add($"{path}: '{ourText}', DCMTK '{theirText}'");
        }
    }

    /// <summary>
    /// dcm2json decodes the text of a sequence item with the data set's character set even where the item declares
    /// its own (PS3.5 §7.5.3 says the item's applies), and writes U+FFFD for what it could not decode. Such values say
    /// nothing about ours (nor do ISO 2022 escape sequences it left undecoded); DicomCharacterSetTests checks them against pydicom.
    /// </summary>
    private static bool Undecodable(string? text) => text is not null && (text.Contains('\uFFFD', StringComparison.Ordinal) || text.Contains('\u001B', StringComparison.Ordinal));

    /// <summary>An empty value is null in PS3.18 §F.2.5 and an empty string in some writers: the same data.</summary>
    private static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => string.Empty,
        JsonValueKind.String => value.GetString()!,
        _ => value.GetRawText(),
    };
}
