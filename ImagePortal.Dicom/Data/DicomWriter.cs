using System.Buffers.Binary;
using System.IO.Compression;

namespace ImagePortal.Dicom.Data;

/// <summary>How <see cref="DicomWriter"/> writes. Immutable.</summary>
public sealed record DicomWriterOptions
{
    public static DicomWriterOptions Default { get; } = new();

    /// <summary>Compression level of deflated explicit VR little endian (PS3.5 §A.5).</summary>
    public CompressionLevel DeflateLevel { get; init; } = CompressionLevel.Optimal;

    /// <summary>
    /// Whether group length elements (gggg,0000) other than (0000,0000) and (0002,0000), which are always written, are
    /// kept. All are written with recomputed values. They are retired (PS3.5 §7.2); keeping them (the default)
    /// rewrites a file as it was.
    /// </summary>
    public bool KeepGroupLengths { get; init; } = true;
}

/// <summary>
/// Writes data sets (PS3.5 §7) and Part 10 files (PS3.10 §7) in implicit or explicit VR little endian or deflated
/// explicit VR little endian. Each value, sequence and item keeps its encoded form (defined or undefined length), so
/// an unchanged file is written byte for byte as it was read, in big endian too (retired, PS3.5 §A.3: values are
/// held little endian and swapped back).
/// </summary>
public static class DicomWriter
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    /// <summary>Writes preamble, "DICM", the meta information in explicit VR little endian with (0002,0000) recomputed, then the data set.</summary>
    public static void WriteFile(Stream stream, DicomFile file, DicomWriterOptions? options = null)
    {
        options ??= DicomWriterOptions.Default;
        var syntax = file.TransferSyntax;

        var meta = file.FileMetaInformation;
        var declared = meta.Find(DicomTag.TransferSyntaxUID) is DicomElement uid
            ? System.Text.Encoding.ASCII.GetString(uid.Buffer.GetBytes().Span).TrimEnd('\0', ' ')
            : null;
        if (declared != syntax.Uid)
        {
            // UI values are padded with NUL (PS3.5 §9.1); written as bytes since a read file's UID was checked then.
            var bytes = System.Text.Encoding.ASCII.GetBytes(syntax.Uid.Length % 2 == 1 ? syntax.Uid + "\0" : syntax.Uid);
            meta.SetBytes(DicomTag.TransferSyntaxUID, DicomVR.UI, bytes);
        }

        var output = new BufferedStream(stream, 1 << 16);
        output.Write(file.Preamble ?? new byte[128]);
        output.Write("DICM"u8);

        // PS3.10 §7.1: (0002,0000) holds the length of the rest of group 0002 and is required.
        var metaLength = meta.Where(i => i.Tag.Group == 0x0002 && !i.Tag.IsGroupLength).Sum(i => ItemLength(i, explicitVR: true));
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, checked((uint)metaLength));
        var metaWriter = new Writer(output, explicitVR: true, bigEndian: false, options);
        metaWriter.WriteItem(new DicomElement(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, DicomBuffer.FromBytes(groupLength)));
        foreach (var item in meta)
        {
            if (item.Tag.Group == 0x0002 && !item.Tag.IsGroupLength)
            {
                metaWriter.WriteItem(item);
            }
        }

        WriteDatasetCore(output, file.Dataset, syntax, options, skipMeta: true);
        output.Flush();
    }

    /// <summary>Writes a bare data set, e.g. for a DIMSE message (commands are implicit VR little endian, PS3.7 §6.3.1).</summary>
    public static void WriteDataset(Stream stream, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriterOptions? options = null)
    {
        options ??= DicomWriterOptions.Default;
        var output = new BufferedStream(stream, 1 << 16);
        WriteDatasetCore(output, dataset, syntax, options, skipMeta: false);
        output.Flush();
    }

    /// <summary>The encoded length of a data set in a transfer syntax (its deflated size is not predicted).</summary>
    public static long GetEncodedLength(DicomDataset dataset, DicomTransferSyntax syntax) =>
        DatasetLength(dataset, syntax.IsExplicitVR);

    private static void WriteDatasetCore(Stream output, DicomDataset dataset, DicomTransferSyntax syntax, DicomWriterOptions options, bool skipMeta)
    {
        if (syntax.IsDeflated)
        {
            // PS3.5 §A.5: raw deflate (RFC 1951) without zlib header.
            using var deflate = new DeflateStream(output, options.DeflateLevel, leaveOpen: true);
            using var buffered = new BufferedStream(deflate, 1 << 16);
            new Writer(buffered, syntax.IsExplicitVR, bigEndian: false, options).WriteDataset(dataset, skipMeta);
            buffered.Flush();
            return;
        }

        new Writer(output, syntax.IsExplicitVR, syntax.IsBigEndian, options).WriteDataset(dataset, skipMeta);
    }

    /// <summary>Bytes the item takes, header included.</summary>
    private static long ItemLength(DicomItem item, bool explicitVR)
    {
        switch (item)
        {
            case DicomElement element:
                return HeaderLength(EffectiveVR(element, explicitVR), explicitVR) + element.Length;
            case DicomSequence sequence:
                long length = HeaderLength(DicomVR.SQ, explicitVR) + (sequence.UndefinedLength ? 8 : 0);
                foreach (var child in sequence.Items)
                {
                    length += 8 + DatasetLength(child, explicitVR) + (child.UndefinedItemLength ? 8 : 0);
                }

                return length;
            case DicomFragmentSequence fragments:
                long total = HeaderLength(fragments.VR, explicitVR) + 8 + fragments.OffsetTable.Length + 8;
                foreach (var fragment in fragments.Fragments)
                {
                    total += 8 + fragment.Length;
                }

                return total;
            default:
                throw new InvalidOperationException($"Unknown item type {item.GetType()}.");
        }
    }

    private static long DatasetLength(DicomDataset dataset, bool explicitVR)
    {
        long length = 0;
        foreach (var item in dataset)
        {
            length += ItemLength(item, explicitVR);
        }

        return length;
    }

    private static int HeaderLength(DicomVR vr, bool explicitVR) => explicitVR && !vr.HasLongLength ? 8 : explicitVR ? 12 : 8;

    /// <summary>
    /// A value too long for a 16-bit length cannot be written with its VR in explicit VR; PS3.5 §6.2.2 (note) has it
    /// written as UN instead.
    /// </summary>
    private static DicomVR EffectiveVR(DicomElement element, bool explicitVR) =>
        explicitVR && !element.VR.HasLongLength && element.Length > ushort.MaxValue ? DicomVR.UN : element.VR;

    /// <summary>
    /// Writes items in one encoding. Values are held little endian (<see cref="DicomElement.Buffer"/>); in explicit VR big
    /// endian (PS3.5 §A.3, retired, still found in archives) tags, lengths and every value of a VR with a unit of 2, 4 or 8
    /// bytes (OW, US, UL, FL, FD, AT...) are byte-swapped on the way out, as the reader swapped them on the way in.
    /// </summary>
    private sealed class Writer(Stream output, bool explicitVR, bool bigEndian, DicomWriterOptions options)
    {
        private readonly byte[] _header = new byte[12];

        public void WriteDataset(DicomDataset dataset, bool skipMeta)
        {
            foreach (var item in dataset)
            {
                if (skipMeta && item.Tag.Group == 0x0002)
                {
                    continue;
                }

                if (item.Tag.IsGroupLength)
                {
                    // Command Group Length (0000,0000) is required in every command set (PS3.7 §6.3.1, §E.1): always
                    // written, like the others recomputed from what follows.
                    if (options.KeepGroupLengths || item.Tag.Group == 0x0000)
                    {
                        WriteGroupLength(dataset, item.Tag);
                    }

                    continue;
                }

                WriteItem(item);
            }
        }

        public void WriteItem(DicomItem item)
        {
            switch (item)
            {
                case DicomElement element:
                    var vr = EffectiveVR(element, explicitVR);
                    WriteHeader(element.Tag, vr, checked((uint)element.Length));
                    if (bigEndian && element.VR.UnitSize > 1)
                    {
                        using var swapping = new SwappingStream(output, element.VR.UnitSize);
                        element.Buffer.CopyTo(swapping);
                    }
                    else
                    {
                        element.Buffer.CopyTo(output);
                    }

                    break;
                case DicomSequence sequence:
                    WriteSequence(sequence);
                    break;
                case DicomFragmentSequence fragments:
                    WriteHeader(fragments.Tag, fragments.VR, UndefinedLength);
                    WriteDelimiter(DicomTag.SequenceItem, checked((uint)fragments.OffsetTable.Length));
                    fragments.OffsetTable.CopyTo(output);
                    foreach (var fragment in fragments.Fragments)
                    {
                        WriteDelimiter(DicomTag.SequenceItem, checked((uint)fragment.Length));
                        fragment.CopyTo(output);
                    }

                    WriteDelimiter(DicomTag.SequenceDelimitation, 0);
                    break;
            }
        }

        private void WriteSequence(DicomSequence sequence)
        {
            var undefined = sequence.UndefinedLength;
            uint length = UndefinedLength;
            if (!undefined)
            {
                var content = ItemLength(sequence, explicitVR) - HeaderLength(DicomVR.SQ, explicitVR);
                if (content >= UndefinedLength)
                {
                    undefined = true;
                }
                else
                {
                    length = (uint)content;
                }
            }

            WriteHeader(sequence.Tag, DicomVR.SQ, length);
            foreach (var item in sequence.Items)
            {
                var itemUndefined = item.UndefinedItemLength;
                uint itemLength = UndefinedLength;
                if (!itemUndefined)
                {
                    var content = DatasetLength(item, explicitVR);
                    if (content >= UndefinedLength)
                    {
                        itemUndefined = true;
                    }
                    else
                    {
                        itemLength = (uint)content;
                    }
                }

                WriteDelimiter(DicomTag.SequenceItem, itemLength);
                WriteDataset(item, skipMeta: false);
                if (itemUndefined)
                {
                    WriteDelimiter(DicomTag.ItemDelimitation, 0);
                }
            }

            if (undefined)
            {
                WriteDelimiter(DicomTag.SequenceDelimitation, 0);
            }
        }

        /// <summary>PS3.5 §7.2: the group length is the number of bytes of the group's other elements that follow it.</summary>
        private void WriteGroupLength(DicomDataset dataset, DicomTag tag)
        {
            long length = 0;
            foreach (var other in dataset)
            {
                if (other.Tag.Group == tag.Group && !other.Tag.IsGroupLength)
                {
                    length += ItemLength(other, explicitVR);
                }
            }

            var value = new byte[4];
            WriteUInt32(value, (uint)Math.Min(length, uint.MaxValue));
            WriteHeader(tag, DicomVR.UL, 4);
            output.Write(value);
        }

        private void WriteHeader(DicomTag tag, DicomVR vr, uint length)
        {
            var header = _header.AsSpan();
            WriteUInt16(header, tag.Group);
            WriteUInt16(header[2..], tag.Element);
            if (!explicitVR)
            {
                WriteUInt32(header[4..], length);
                output.Write(header[..8]);
                return;
            }

            header[4] = (byte)vr.Code[0];
            header[5] = (byte)vr.Code[1];
            if (vr.HasLongLength)
            {
                header[6] = 0;
                header[7] = 0;
                WriteUInt32(header[8..], length);
                output.Write(header);
            }
            else
            {
                WriteUInt16(header[6..], checked((ushort)length));
                output.Write(header[..8]);
            }
        }

        private void WriteDelimiter(DicomTag tag, uint length)
        {
            var header = _header.AsSpan(0, 8);
            WriteUInt16(header, tag.Group);
            WriteUInt16(header[2..], tag.Element);
            WriteUInt32(header[4..], length);
            output.Write(header);
        }

        private void WriteUInt16(Span<byte> span, ushort value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(span, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(span, value);
            }
        }

        private void WriteUInt32(Span<byte> span, uint value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(span, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span, value);
            }
        }
    }
}
