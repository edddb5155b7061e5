using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// A dcmdump-style listing: one line per element, <c>(0010,0010) PN [Doe^John]   # 8, 1 PatientName</c>, nested
/// items indented, long binary values shortened. For administrators reading what the portal received.
/// </summary>
public static class DicomTextDump
{
    private const int ValueColumn = 40;
    private const int MaxBinaryValues = 16;

    public static void Write(TextWriter output, DicomFile file)
    {
        output.WriteLine("# Dicom-File-Format");
        output.WriteLine();
        output.WriteLine("# Dicom-Meta-Information-Header");
        output.WriteLine("# Used TransferSyntax: Little Endian Explicit");
        WriteDataset(output, file.FileMetaInformation, 0);
        output.WriteLine();
        output.WriteLine("# Dicom-Data-Set");
        output.WriteLine($"# Used TransferSyntax: {file.TransferSyntax.Name}");
        WriteDataset(output, file.Dataset, 0);
    }

    public static void WriteDataset(TextWriter output, DicomDataset dataset, int depth)
    {
        var indent = new string(' ', depth * 2);
        foreach (var item in dataset)
        {
            switch (item)
            {
                case DicomSequence sequence:
                    Line(output, indent, item.Tag, "SQ", $"(Sequence with {(sequence.UndefinedLength ? "undefined" : "explicit")} length #={sequence.Items.Count})", sequence.UndefinedLength ? "u/l" : null, 1);
                    foreach (var nested in sequence.Items)
                    {
                        Line(output, indent + "  ", DicomTag.SequenceItem, "na", $"(Item with {(nested.UndefinedItemLength ? "undefined" : "explicit")} length #={nested.Count})", nested.UndefinedItemLength ? "u/l" : null, 1, "Item");
                        WriteDataset(output, nested, depth + 2);
                        Line(output, indent + "  ", DicomTag.ItemDelimitation, "na", "(ItemDelimitationItem)", "0", 0, "ItemDelimitationItem");
                    }

                    Line(output, indent, DicomTag.SequenceDelimitation, "na", "(SequenceDelimitationItem)", "0", 0, "SequenceDelimitationItem");
                    break;
                case DicomFragmentSequence fragments:
                    Line(output, indent, item.Tag, item.VR.Code, "(PixelSequence #=" + (fragments.Fragments.Count + 1) + ")", "u/l", 1);
                    Line(output, indent + "  ", DicomTag.SequenceItem, "pi", Binary(DicomVR.OB, fragments.OffsetTable), fragments.OffsetTable.Length.ToString(CultureInfo.InvariantCulture), 1, "Item");
                    foreach (var fragment in fragments.Fragments)
                    {
                        Line(output, indent + "  ", DicomTag.SequenceItem, "pi", Binary(DicomVR.OB, fragment), fragment.Length.ToString(CultureInfo.InvariantCulture), 1, "Item");
                    }

                    Line(output, indent, DicomTag.SequenceDelimitation, "na", "(SequenceDelimitationItem)", "0", 0, "SequenceDelimitationItem");
                    break;
                case DicomElement element:
                    var (text, vm) = Value(dataset, element);
                    Line(output, indent, element.Tag, element.VR.Code, text, element.Length.ToString(CultureInfo.InvariantCulture), vm);
                    break;
            }
        }
    }

    private static (string Text, int VM) Value(DicomDataset dataset, DicomElement element)
    {
        if (element.Length == 0)
        {
            return ("(no value available)", 0);
        }

        var vr = element.VR;
        if (vr.Kind == DicomVRKind.Text)
        {
            var values = dataset.GetStrings(element.Tag);
            return ("[" + string.Join('\\', values) + "]", values.Length);
        }

        if (vr.Kind == DicomVRKind.Number)
        {
            var bytes = element.Buffer.GetBytes().Span;
            var count = bytes.Length / vr.UnitSize / (vr == DicomVR.AT ? 2 : 1);
            var parts = new List<string>();
            for (var i = 0; i < count && i < MaxBinaryValues; i++)
            {
                parts.Add(Number(vr, bytes, i));
            }

            return (string.Join('\\', parts) + (count > MaxBinaryValues ? "..." : string.Empty), count);
        }

        return (Binary(vr, element.Buffer), 1);
    }

    private static string Number(DicomVR vr, ReadOnlySpan<byte> bytes, int index) => vr.Code switch
    {
        "AT" => new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(index * 4)..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[(index * 4 + 2)..])).ToString(),
        "US" => BinaryPrimitives.ReadUInt16LittleEndian(bytes[(index * 2)..]).ToString(CultureInfo.InvariantCulture),
        "SS" => BinaryPrimitives.ReadInt16LittleEndian(bytes[(index * 2)..]).ToString(CultureInfo.InvariantCulture),
        "UL" => BinaryPrimitives.ReadUInt32LittleEndian(bytes[(index * 4)..]).ToString(CultureInfo.InvariantCulture),
        "SL" => BinaryPrimitives.ReadInt32LittleEndian(bytes[(index * 4)..]).ToString(CultureInfo.InvariantCulture),
        "FL" => BinaryPrimitives.ReadSingleLittleEndian(bytes[(index * 4)..]).ToString(CultureInfo.InvariantCulture),
        "FD" => BinaryPrimitives.ReadDoubleLittleEndian(bytes[(index * 8)..]).ToString(CultureInfo.InvariantCulture),
        "SV" => BinaryPrimitives.ReadInt64LittleEndian(bytes[(index * 8)..]).ToString(CultureInfo.InvariantCulture),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes[(index * 8)..]).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Hex words as dcmdump shows them (OW as 4-digit words, others as bytes), only the first few for large values.</summary>
    private static string Binary(DicomVR vr, DicomBuffer buffer)
    {
        if (buffer.Length == 0)
        {
            return "(no value available)";
        }

        if (!buffer.IsLoaded)
        {
            return $"(not loaded: {buffer.Length} bytes)";
        }

        var bytes = buffer.GetBytes().Span;
        var builder = new StringBuilder();
        var unit = vr == DicomVR.OW ? 2 : 1;
        var count = bytes.Length / unit;
        for (var i = 0; i < count && i < MaxBinaryValues; i++)
        {
            if (i > 0)
            {
                builder.Append('\\');
            }

            builder.Append(unit == 2
                ? BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]).ToString("x4", CultureInfo.InvariantCulture)
                : bytes[i].ToString("x2", CultureInfo.InvariantCulture));
        }

        if (count > MaxBinaryValues)
        {
            builder.Append("...");
        }

        return builder.ToString();
    }

    private static void Line(TextWriter output, string indent, DicomTag tag, string vr, string value, string? length, int vm, string? name = null)
    {
        var keyword = name ?? (tag.IsPrivateCreator ? "PrivateCreator" : tag.IsGroupLength ? "GroupLength" : DicomDictionary.Find(tag)?.Keyword ?? (tag.IsPrivate ? "PrivateTag" : "Unknown Tag & Data"));
        // dcmdump prints the item and delimiter tags in lower case: (fffe,e000).
        var tagText = tag.IsDelimiter ? tag.ToString().ToLowerInvariant() : tag.ToString();
        var head = $"{indent}{tagText} {vr} {value}";

        var pad = Math.Max(1, indent.Length + ValueColumn + 15 - head.Length);
        output.WriteLine($"{head}{new string(' ', pad)}# {length ?? "u/l",3}, {vm} {keyword}");
    }
}
