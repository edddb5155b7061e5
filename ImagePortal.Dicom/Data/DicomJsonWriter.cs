using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// Writes the DICOM JSON Model (PS3.18 §F.2): an object keyed by 8-digit tags, each with "vr" and "Value" (strings,
/// numbers, person name objects or nested data sets) or "InlineBinary" (base64). Empty values have no "Value"
/// (§F.2.5). Writing never changes the data set.
/// </summary>
public static class DicomJsonWriter
{
    public static string Serialize(DicomDataset dataset, bool indented = true)
    {
        using var stream = new MemoryStream();
        Write(stream, dataset, indented);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static void Write(Stream stream, DicomDataset dataset, bool indented = true)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, SkipValidation = false, MaxDepth = 1000 });
        WriteDataset(writer, dataset);
        writer.Flush();
    }

    private static void WriteDataset(Utf8JsonWriter writer, DicomDataset dataset)
    {
        writer.WriteStartObject();
        foreach (var item in dataset)
        {
            // PS3.18 §F.2: the JSON model describes the data set; the file meta information is not part of it.
            // Group lengths are retired (PS3.5 §7.2) and describe the encoding, not the data; dcm2json leaves them out too.
            if (item.Tag.Group == 0x0002 || item.Tag.IsGroupLength)
            {
                continue;
            }

            writer.WritePropertyName(item.Tag.Value.ToString("X8", CultureInfo.InvariantCulture));
            writer.WriteStartObject();
            writer.WriteString("vr", item.VR.Code);
            switch (item)
            {
                case DicomSequence sequence:
                    if (sequence.Items.Count > 0)
                    {
                        writer.WriteStartArray("Value");
                        foreach (var nested in sequence.Items)
                        {
                            WriteDataset(writer, nested);
                        }

                        writer.WriteEndArray();
                    }

                    break;
                case DicomFragmentSequence fragments:
                    // PS3.18 §F.2.7 has no inline form for encapsulated pixel data (DCMTK refuses it too); the
                    // encoded items are given base64, which keeps the output lossless.
                    writer.WriteBase64String("InlineBinary", EncodeFragments(fragments));
                    break;
                case DicomElement element:
                    WriteElement(writer, dataset, element);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteElement(Utf8JsonWriter writer, DicomDataset dataset, DicomElement element)
    {
        if (element.Length == 0)
        {
            return;
        }

        var vr = element.VR;
        switch (vr.Kind)
        {
            case DicomVRKind.Bytes:
                writer.WriteBase64String("InlineBinary", element.Buffer.GetBytes().Span);
                return;
            case DicomVRKind.Number:
                WriteNumbers(writer, vr, element.Buffer.GetBytes().Span);
                return;
        }

        var values = dataset.GetStrings(element.Tag);
        if (vr == DicomVR.PN && values.All(v => v.Trim('^', '=', ' ').Length == 0))
        {
            // "^^^^" is a name with every component empty: no value (PS3.5 §6.2.1.1).
            return;
        }

        writer.WriteStartArray("Value");
        foreach (var value in values)
        {
            if (value.Length == 0 && vr.IsMultiValued)
            {
                // PS3.18 §F.2.5: an empty value among several is null.
                writer.WriteNullValue();
                continue;
            }

            if (vr == DicomVR.PN)
            {
                var name = DicomPersonName.Parse(value);
                writer.WriteStartObject();
                WriteIfPresent(writer, "Alphabetic", name.Alphabetic.TrimEnd('^'));
                WriteIfPresent(writer, "Ideographic", name.Ideographic.TrimEnd('^'));
                WriteIfPresent(writer, "Phonetic", name.Phonetic.TrimEnd('^'));
                writer.WriteEndObject();
            }
            else if (vr == DicomVR.IS || vr == DicomVR.DS)
            {
                WriteDecimalText(writer, value);
            }
            else
            {
                writer.WriteStringValue(value);
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>IS and DS are JSON numbers (PS3.18 §F.2.3); text that is not a number is kept as a string rather than lost.</summary>
    private static void WriteDecimalText(Utf8JsonWriter writer, string value)
    {
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    private static void WriteNumbers(Utf8JsonWriter writer, DicomVR vr, ReadOnlySpan<byte> bytes)
    {
        writer.WriteStartArray("Value");
        var size = vr.UnitSize;
        if (vr == DicomVR.AT)
        {
            for (var i = 0; i + 4 <= bytes.Length; i += 4)
            {
                var tag = new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 2)..]));
                writer.WriteStringValue(tag.Value.ToString("X8", CultureInfo.InvariantCulture));
            }

            writer.WriteEndArray();
            return;
        }

        for (var i = 0; i + size <= bytes.Length; i += size)
        {
            var unit = bytes.Slice(i, size);
            switch (vr.Code)
            {
                case "US": writer.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(unit)); break;
                case "SS": writer.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(unit)); break;
                case "UL": writer.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(unit)); break;
                case "SL": writer.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(unit)); break;
                case "SV": writer.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(unit)); break;
                case "UV": writer.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(unit)); break;
                case "FL": WriteFloat(writer, BinaryPrimitives.ReadSingleLittleEndian(unit)); break;
                case "FD": WriteFloat(writer, BinaryPrimitives.ReadDoubleLittleEndian(unit)); break;
            }
        }

        writer.WriteEndArray();
    }

    /// <summary>JSON has no NaN or infinity; like DCMTK's --encode-extended they are written as strings.</summary>
    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, float value)
    {
        if (float.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string value)
    {
        if (value.Length > 0)
        {
            writer.WriteString(name, value);
        }
    }

    private static byte[] EncodeFragments(DicomFragmentSequence fragments)
    {
        using var stream = new MemoryStream();
        Span<byte> header = stackalloc byte[8];
        void Item(DicomBuffer buffer, Span<byte> h)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0xE000FFFE);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)buffer.Length);
            stream.Write(h);
            buffer.CopyTo(stream);
        }

        Item(fragments.OffsetTable, header);
        foreach (var fragment in fragments.Fragments)
        {
            Item(fragment, header);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xE0DDFFFE);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], 0);
        stream.Write(header);
        return stream.ToArray();
    }
}
