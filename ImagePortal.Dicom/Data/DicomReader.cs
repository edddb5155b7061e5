// Over 400 lines: one recursive-descent parser over one ByteReader, with the leniencies real files need (trailing
// padding, a mislabelled encoding); split up, its parts would share every piece of its state.

namespace ImagePortal.Dicom.Data;

/// <summary>
/// Parses Part 10 files (PS3.10 §7) and bare data sets (PS3.5 §7) in implicit VR little endian, explicit VR little
/// and big endian and deflated explicit VR little endian. Any malformed input ends in <see cref="DicomFormatException"/>.
/// </summary>
public static class DicomReader
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    /// <summary>
    /// Reads a Part 10 file: preamble, "DICM", the file meta information (always explicit VR little endian, PS3.10
    /// §7.1), then the data set in the transfer syntax of (0002,0010). Input without preamble or meta information is
    /// accepted where its encoding can be recognised from the first element. Large values of a seekable stream are
    /// left in it: keep the stream open while they are used.
    /// </summary>
    public static DicomFile ReadFile(Stream stream, DicomReaderOptions? options = null) =>
        ReadFile(stream, stream.CanSeek ? new DicomByteSource.FromStream(stream) : null, options ?? DicomReaderOptions.Default);

    /// <summary>Reads a bare data set in a known transfer syntax, e.g. the data set of a DIMSE message (PS3.7 §6.3.1).</summary>
    public static DicomDataset ReadDataset(Stream stream, DicomTransferSyntax syntax, DicomReaderOptions? options = null)
    {
        options ??= DicomReaderOptions.Default;
        var reader = new ByteReader(stream, options.MaxUnboundedLength);
        if (syntax.IsDeflated)
        {
            reader.SwitchToDeflate();
        }

        var parser = new Parser(reader, stream.CanSeek && !syntax.IsDeflated ? new DicomByteSource.FromStream(stream) : null, options);
        return parser.ReadTopLevel(syntax);
    }

    internal static DicomFile ReadFile(Stream stream, DicomByteSource? source, DicomReaderOptions options)
    {
        var reader = new ByteReader(stream, options.MaxUnboundedLength);
        var parser = new Parser(reader, source, options);
        return parser.ReadFile();
    }

    private sealed class Parser(ByteReader reader, DicomByteSource? source, DicomReaderOptions options)
    {
        private readonly List<string> _warnings = [];
        private DicomByteSource? _source = source;

        public DicomFile ReadFile()
        {
            byte[]? preamble = null;
            Span<byte> head = stackalloc byte[132];
            if (reader.TryPeek(head) && head[128..].SequenceEqual("DICM"u8))
            {
                preamble = new byte[128];
                reader.ReadExactly(preamble);
                reader.Skip(4);
            }

            var meta = new DicomDataset();
            Span<byte> first = stackalloc byte[6];
            if (reader.TryPeek(first) && first[0] == 0x02 && first[1] == 0x00)
            {
                // PS3.10 §7.1: the meta information is explicit VR little endian; a few writers used implicit VR for it.
                var explicitMeta = IsVRCode(first[4], first[5]);
                ReadElements(meta, explicitMeta, false, end: -1, depth: 0, isItem: false, stopAtGroup: 0x0002);
            }
            else if (preamble is not null)
            {
                throw new DicomFormatException(reader.Position, "the file has a DICM prefix but no file meta information (group 0002)");
            }

            // Read as bytes: a damaged meta header may give (0002,0010) any VR, and that must not escape as another error.
            var uid = meta.Find(DicomTag.TransferSyntaxUID) is DicomElement uidElement
                ? System.Text.Encoding.ASCII.GetString(uidElement.Buffer.GetBytes().Span).TrimEnd('\0', ' ')
                : null;
            if (!string.IsNullOrEmpty(uid) && !DicomUid.IsValid(uid))
            {
                throw new DicomFormatException(reader.Position, $"the Transfer Syntax UID (0002,0010) '{uid}' is not a UID (PS3.5 §9.1), so the data set's encoding is unknown");
            }

            var syntax = string.IsNullOrEmpty(uid) ? DetectSyntax() : DicomTransferSyntax.Lookup(uid);
            if (syntax.IsDeflated)
            {
                reader.SwitchToDeflate();
                _source = null;
            }

            if (!string.IsNullOrEmpty(uid))
            {
                syntax = EncodingOfTheDataSet(syntax);
            }

            var dataset = ReadTopLevel(syntax);
            return new DicomFile(preamble, meta, dataset, syntax) { StoppedAtOffset = syntax.IsDeflated ? null : StoppedAt, Warnings = _warnings };
        }

        /// <summary>Where <see cref="DicomReaderOptions.StopAtTag"/> ended the top level: the offset of the first element not read.</summary>
        public long? StoppedAt { get; private set; }

        public DicomDataset ReadTopLevel(DicomTransferSyntax syntax)
        {
            var dataset = new DicomDataset();
            ReadElements(dataset, syntax.IsExplicitVR, syntax.IsBigEndian, end: -1, depth: 0, isItem: false, stopAtGroup: null);
            return dataset;
        }

        /// <summary>
        /// PS3.10 §7.1: the data set is encoded as (0002,0010) says. Some writers put an implicit VR little endian data
        /// set under a header that says explicit VR; its first element shows it: no VR after the tag, but a 4-byte
        /// length that fits. Such a data set is read as what it is, with a warning, as pydicom does (and DCMTK with
        /// --assume-implicit). The transfer syntax returned says so, so that a header re-encoded in it matches the
        /// rest of the file left as it was (header-only reads, <see cref="DicomReaderOptions.StopAtTag"/>).
        /// </summary>
        private DicomTransferSyntax EncodingOfTheDataSet(DicomTransferSyntax declared)
        {
            Span<byte> first = stackalloc byte[8];
            if (!declared.IsExplicitVR || declared.IsBigEndian || !reader.TryPeek(first) || !first[..4].ContainsAnyExcept((byte)0))
            {
                return declared;
            }

            // Two capital letters may be a VR this library does not know: that stays an explicit VR element.
            if (first[4] is >= (byte)'A' and <= (byte)'Z' && first[5] is >= (byte)'A' and <= (byte)'Z')
            {
                return declared;
            }

            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(first[4..]);
            if (length != UndefinedLength && length > reader.Remaining - 8)
            {
                return declared;
            }

            var actual = declared == DicomTransferSyntax.ExplicitVRLittleEndian
                ? DicomTransferSyntax.ImplicitVRLittleEndian
                : declared with { Name = declared.Name + ", data set in implicit VR", IsExplicitVR = false };
            _warnings.Add($"the file meta information says {declared.Name} but the data set is implicit VR little endian (no VR after its first tag); read as {actual.Name}");
            return actual;
        }

        /// <summary>
        /// Zero bytes where the next top-level element should start, up to the end of the input: padding some writers
        /// leave after the data set (megabytes of it after Pixel Data, seen on a real MR file). No data element starts
        /// with eight zero bytes (in explicit VR the VR would be invalid; in implicit VR it would be an empty (0000,0000),
        /// a command group, PS3.7 E.1), and DCMTK and pydicom read past it with a warning; so do we. Zeros followed by
        /// more data are no padding and fail.
        /// </summary>
        private bool SkipTrailingPadding()
        {
            Span<byte> head = stackalloc byte[8];
            var available = reader.PeekUpTo(head);
            if (available == 0 || head[..available].ContainsAnyExcept((byte)0))
            {
                return false;
            }

            var start = reader.Position;
            var zeros = reader.SkipZeros();
            if (!reader.IsAtEnd)
            {
                throw new DicomFormatException(reader.Position, $"{zeros} zero bytes after the data set are followed by more data: neither padding nor a data element");
            }

            _warnings.Add($"{zeros} bytes of zero padding after the data set (from byte {start}) ignored");
            return true;
        }

        /// <summary>
        /// Recognises the encoding of a data set without meta information from its first element: the group number
        /// of a small group is 00 gg in big endian, and explicit VR has two upper-case letters after the tag.
        /// </summary>
        private DicomTransferSyntax DetectSyntax()
        {
            Span<byte> first = stackalloc byte[6];
            if (!reader.TryPeek(first))
            {
                if (reader.IsAtEnd)
                {
                    return DicomTransferSyntax.ExplicitVRLittleEndian;
                }

                throw new DicomFormatException(reader.Position, "too short to be a DICOM data set");
            }

            var bigEndian = first[0] == 0 && first[1] != 0;
            var explicitVR = IsVRCode(first[4], first[5]);
            if (bigEndian)
            {
                return explicitVR ? DicomTransferSyntax.ExplicitVRBigEndian
                    : throw new DicomFormatException(reader.Position, "implicit VR big endian is not a DICOM transfer syntax");
            }

            return explicitVR ? DicomTransferSyntax.ExplicitVRLittleEndian : DicomTransferSyntax.ImplicitVRLittleEndian;
        }

        private static bool IsVRCode(byte a, byte b) => DicomVR.TryParse(a, b, out _);

        /// <summary>
        /// Reads elements into <paramref name="dataset"/> until <paramref name="end"/> (a defined-length item), an Item
        /// Delimitation Item (an undefined-length item), the end of the data (top level), or, for the meta
        /// information, the first tag outside <paramref name="stopAtGroup"/>.
        /// </summary>
        private void ReadElements(DicomDataset dataset, bool explicitVR, bool bigEndian, long end, int depth, bool isItem, ushort? stopAtGroup)
        {
            Span<byte> peek = stackalloc byte[4];
            Span<byte> code = stackalloc byte[2];
            while (true)
            {
                if (end >= 0)
                {
                    if (reader.Position == end)
                    {
                        return;
                    }

                    if (reader.Position > end)
                    {
                        throw new DicomFormatException(reader.Position, $"an element runs {reader.Position - end} bytes past the end of its item");
                    }
                }
                else if (reader.IsAtEnd)
                {
                    if (isItem)
                    {
                        throw new DicomFormatException(reader.Position, "the data ends inside an item of undefined length");
                    }

                    return;
                }
                else if (depth == 0 && stopAtGroup is null && SkipTrailingPadding())
                {
                    return;
                }

                if (stopAtGroup is not null || (depth == 0 && options.StopAtTag is not null))
                {
                    if (!reader.TryPeek(peek))
                    {
                        throw reader.Truncated();
                    }

                    var group = bigEndian ? (ushort)((peek[0] << 8) | peek[1]) : (ushort)(peek[0] | (peek[1] << 8));
                    var element = bigEndian ? (ushort)((peek[2] << 8) | peek[3]) : (ushort)(peek[2] | (peek[3] << 8));
                    if (stopAtGroup is not null && group != stopAtGroup)
                    {
                        return;
                    }

                    if (depth == 0 && options.StopAtTag is { } stop && new DicomTag(group, element) >= stop)
                    {
                        StoppedAt = reader.Position;
                        return;
                    }
                }

                var offset = reader.Position;
                var tag = new DicomTag(reader.ReadUInt16(bigEndian), reader.ReadUInt16(bigEndian));
                if (tag == DicomTag.ItemDelimitation)
                {
                    var delimiterLength = reader.ReadUInt32(bigEndian);
                    if (!isItem || end >= 0)
                    {
                        throw new DicomFormatException(offset, "an Item Delimitation Item outside an item of undefined length");
                    }

                    if (delimiterLength != 0)
                    {
                        throw new DicomFormatException(offset, $"the Item Delimitation Item has length {delimiterLength}, not 0 (PS3.5 §7.5.2)");
                    }

                    return;
                }

                if (tag.IsDelimiter)
                {
                    throw new DicomFormatException(offset, $"unexpected {tag} where a data element should start");
                }

                DicomVR vr;
                uint length;
                if (explicitVR)
                {
                    reader.ReadExactly(code);
                    if (!DicomVR.TryParse(code[0], code[1], out vr))
                    {
                        throw new DicomFormatException(offset + 4, $"{tag} has the invalid VR bytes 0x{code[0]:X2} 0x{code[1]:X2} (PS3.5 §6.2)");
                    }

                    length = vr.HasLongLength ? SkipReservedAndReadLength(bigEndian) : reader.ReadUInt16(bigEndian);
                }
                else
                {
                    vr = ImplicitVR(tag, dataset);
                    length = reader.ReadUInt32(bigEndian);
                }

                dataset.AddParsed(ReadValue(tag, vr, length, offset, explicitVR, bigEndian, depth, dataset));
            }
        }

        /// <summary>
        /// The dictionary VR, with "US or SS" resolved by Pixel Representation (0028,0103) as PS3.3 C.7.6.3.1.3
        /// defines (1 = signed), looked up in this data set and the enclosing ones.
        /// </summary>
        private static DicomVR ImplicitVR(DicomTag tag, DicomDataset dataset)
        {
            var vr = DicomDictionary.ImplicitVR(tag);
            if (vr == DicomVR.US && DicomDictionary.Find(tag)?.ValueRepresentation == "xs")
            {
                for (var current = dataset; current is not null; current = current.Parent)
                {
                    if (current.Find(DicomTag.PixelRepresentation) is DicomElement { Length: >= 2 } representation)
                    {
                        return representation.Buffer.GetBytes().Span[0] == 1 ? DicomVR.SS : DicomVR.US;
                    }
                }
            }

            return vr;
        }

        private uint SkipReservedAndReadLength(bool bigEndian)
        {
            reader.Skip(2);
            return reader.ReadUInt32(bigEndian);
        }

        private DicomItem ReadValue(DicomTag tag, DicomVR vr, uint length, long offset, bool explicitVR, bool bigEndian, int depth, DicomDataset dataset)
        {
            if (vr == DicomVR.SQ)
            {
                return ReadSequence(tag, length, explicitVR, bigEndian, depth, dataset);
            }

            if (length == UndefinedLength)
            {
                if (tag == DicomTag.PixelData)
                {
                    return ReadFragments(tag, vr == DicomVR.UN ? DicomVR.OB : vr, bigEndian);
                }

                if (vr == DicomVR.UN)
                {
                    // PS3.5 §6.2.2: UN of undefined length holds a sequence in implicit VR little endian, whatever the
                    // transfer syntax; in implicit VR an unknown element of undefined length is such a sequence too.
                    return ReadSequence(tag, length, explicitVR: false, bigEndian: false, depth, dataset);
                }

                throw new DicomFormatException(offset, $"{tag} {vr} has undefined length, which only SQ, UN and encapsulated pixel data may have (PS3.5 §7.1)");
            }

            return new DicomElement(tag, vr, ReadBuffer(length, bigEndian ? vr.UnitSize : 1));
        }

        private DicomBuffer ReadBuffer(long length, int swapUnit)
        {
            if (length == 0)
            {
                return DicomBuffer.Empty;
            }

            if (length > reader.Remaining)
            {
                throw new DicomFormatException(reader.Position, $"a value of {length} bytes is longer than the {reader.Remaining} bytes left");
            }

            if (_source is not null && length > options.LargeValueThreshold)
            {
                var deferred = new DeferredDicomBuffer(_source, reader.StreamOffset, length, swapUnit);
                reader.Skip(length);
                return deferred;
            }

            var bytes = reader.ReadBytes(length);
            ByteSwap.ToLittleEndian(bytes, swapUnit);
            return new MemoryDicomBuffer(bytes);
        }

        private DicomSequence ReadSequence(DicomTag tag, uint length, bool explicitVR, bool bigEndian, int depth, DicomDataset parent)
        {
            if (depth + 1 > options.MaxDepth)
            {
                throw new DicomFormatException(reader.Position, $"sequences are nested deeper than {options.MaxDepth} levels");
            }

            var sequence = new DicomSequence(tag) { UndefinedLength = length == UndefinedLength };
            var end = length == UndefinedLength ? -1 : CheckedEnd(length);
            while (true)
            {
                if (end >= 0 && reader.Position >= end)
                {
                    if (reader.Position > end)
                    {
                        throw new DicomFormatException(reader.Position, "an item runs past the end of its sequence");
                    }

                    return sequence;
                }

                var offset = reader.Position;
                var itemTag = new DicomTag(reader.ReadUInt16(bigEndian), reader.ReadUInt16(bigEndian));
                var itemLength = reader.ReadUInt32(bigEndian);
                if (itemTag == DicomTag.SequenceDelimitation && end < 0)
                {
                    return sequence;
                }

                if (itemTag != DicomTag.SequenceItem)
                {
                    throw new DicomFormatException(offset, $"expected an item (FFFE,E000) in sequence {tag}, found {itemTag}");
                }

                var item = new DicomDataset { Parent = parent, UndefinedItemLength = itemLength == UndefinedLength };
                var itemEnd = itemLength == UndefinedLength ? -1 : CheckedEnd(itemLength);
                if (end >= 0 && itemEnd > end)
                {
                    throw new DicomFormatException(offset, $"an item of {itemLength} bytes runs past the end of sequence {tag}");
                }

                ReadElements(item, explicitVR, bigEndian, itemEnd, depth + 1, isItem: true, stopAtGroup: null);
                sequence.Items.Add(item);
            }
        }

        /// <summary>PS3.5 §A.4: items of defined length, the first the Basic Offset Table, ended by a Sequence Delimitation Item.</summary>
        private DicomFragmentSequence ReadFragments(DicomTag tag, DicomVR vr, bool bigEndian)
        {
            DicomBuffer? offsetTable = null;
            var fragments = new List<DicomBuffer>();
            while (true)
            {
                var offset = reader.Position;
                var itemTag = new DicomTag(reader.ReadUInt16(bigEndian), reader.ReadUInt16(bigEndian));
                var itemLength = reader.ReadUInt32(bigEndian);
                if (itemTag == DicomTag.SequenceDelimitation)
                {
                    return new DicomFragmentSequence(tag, vr, offsetTable ?? DicomBuffer.Empty, fragments);
                }

                if (itemTag != DicomTag.SequenceItem)
                {
                    throw new DicomFormatException(offset, $"expected a fragment item (FFFE,E000) in encapsulated pixel data, found {itemTag}");
                }

                if (itemLength == UndefinedLength)
                {
                    throw new DicomFormatException(offset, "a fragment of encapsulated pixel data has undefined length (PS3.5 §A.4)");
                }

                // The offset table is UL; fragments are bytes and are never swapped.
                var buffer = ReadBuffer(itemLength, offsetTable is null && bigEndian ? 4 : 1);
                if (offsetTable is null)
                {
                    offsetTable = buffer;
                }
                else
                {
                    fragments.Add(buffer);
                }
            }
        }

        /// <summary>
        /// The end of a sequence or item of defined length. Where the length claims more than the data holds, the end
        /// of the data is used instead, as DCMTK does: the elements inside are still read and checked one by one, and
        /// a value cut short still fails, so a wrong container length costs nothing but the promise it made.
        /// </summary>
        private long CheckedEnd(uint length) =>
            length > reader.Remaining ? reader.Position + reader.Remaining : reader.Position + length;
    }
}
