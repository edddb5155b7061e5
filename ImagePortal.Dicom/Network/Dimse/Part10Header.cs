using System.Buffers.Binary;
using System.Text;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Dimse;

/// <summary>
/// The few File Meta Information elements (PS3.10 7.1) the network layer needs to stream an instance
/// between a file and a C-STORE without parsing its data set: SOP class, SOP instance and transfer
/// syntax. The data set that follows the meta group is exactly what travels in the P-DATA-TF PDVs
/// (PS3.7 9.3.1.1: the data set, never group 0002).
/// </summary>
public sealed record Part10Header(string SopClassUid, string SopInstanceUid, string TransferSyntaxUid)
{
    /// <summary>A meta group larger than this is not one; bounds what a hostile file can make us read.</summary>
    private const int MaxMetaLength = 64 * 1024;

    /// <summary>The 128-byte preamble and "DICM".</summary>
    private const int PrefixLength = 132;

    /// <summary>(0002,0000) UL, explicit VR: tag 4, VR 2, length 2, value 4.</summary>
    private const int GroupLengthElementLength = 12;

    private static ReadOnlySpan<byte> GroupLengthElementHeader => [0x02, 0x00, 0x00, 0x00, (byte)'U', (byte)'L', 0x04, 0x00];

    private static readonly HashSet<string> LongLengthVrs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    /// <summary>
    /// Stops the data library's reader at the first element after group 0002 (the stop applies to the meta
    /// group too): only the meta group is parsed, never the data set.
    /// </summary>
    private static readonly DicomReaderOptions MetaOnly = new() { StopAtTag = new DicomTag(0x0003, 0x0000) };

    /// <summary>
    /// Reads the preamble and meta group of a Part 10 file and leaves the stream at the first byte of the
    /// data set. The meta group is parsed by the data library's reader (PS3.10 7.1). When it starts with
    /// its group length (0002,0000), as PS3.10 requires, exactly its bytes are read (a few hundred) and any
    /// stream will do; a file whose writer left the group length out must be seekable. Anything that is not
    /// a readable Part 10 meta group ends in <see cref="InvalidDataException"/>.
    /// </summary>
    public static async Task<Part10Header> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = stream.CanSeek ? stream.Position : 0;
        var prefix = new byte[PrefixLength + GroupLengthElementLength];
        var read = await stream.ReadAtLeastAsync(prefix, prefix.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < PrefixLength || !prefix.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            throw new InvalidDataException("Not a DICOM Part 10 file: no 'DICM' after the 128-byte preamble (PS3.10 7.1).");
        }

        byte[] metaBytes;
        if (read == prefix.Length && prefix.AsSpan(PrefixLength, 8).SequenceEqual(GroupLengthElementHeader))
        {
            var groupLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(PrefixLength + 8));
            if (groupLength > MaxMetaLength)
            {
                throw new InvalidDataException($"Meta group length {groupLength} exceeds {MaxMetaLength} bytes.");
            }

            metaBytes = new byte[prefix.Length + groupLength];
            prefix.CopyTo(metaBytes, 0);
            try
            {
                await stream.ReadExactlyAsync(metaBytes.AsMemory(prefix.Length), cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException("The file ends inside its meta group.");
            }
        }
        else
        {
            metaBytes = [];
        }

        var (meta, header) = Parse(metaBytes.Length > 0 ? new MemoryStream(metaBytes, writable: false) : RewoundOrFail(stream, start));
        if (metaBytes.Length == 0)
        {
            // No group length: the reader read ahead; the data set starts after the meta group's encoded length.
            var metaLength = DicomWriter.GetEncodedLength(meta, DicomTransferSyntax.ExplicitVRLittleEndian);
            if (metaLength > MaxMetaLength)
            {
                throw new InvalidDataException($"Meta group of {metaLength} bytes exceeds {MaxMetaLength} bytes.");
            }

            stream.Position = start + PrefixLength + metaLength;
        }

        return header;
    }

    private static Stream RewoundOrFail(Stream stream, long start)
    {
        if (!stream.CanSeek)
        {
            throw new InvalidDataException("The meta group has no group length (0002,0000) and the stream cannot be re-read to find its end.");
        }

        stream.Position = start;
        return stream;
    }

    private static (DicomDataset Meta, Part10Header Header) Parse(Stream source)
    {
        try
        {
            var meta = DicomReader.ReadFile(source, MetaOnly).FileMetaInformation;
            var sopClass = meta.GetUid(DicomTag.MediaStorageSOPClassUID);
            var sopInstance = meta.GetUid(DicomTag.MediaStorageSOPInstanceUID);
            var transferSyntax = meta.GetUid(DicomTag.TransferSyntaxUID);
            if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance) || string.IsNullOrEmpty(transferSyntax))
            {
                throw new InvalidDataException("The meta group lacks Media Storage SOP Class/Instance UID or Transfer Syntax UID (PS3.10 7.1).");
            }

            return (meta, new Part10Header(sopClass, sopInstance, transferSyntax));
        }
        catch (Exception error) when (error is DicomFormatException or FormatException or InvalidCastException or ArgumentException)
        {
            throw new InvalidDataException($"Not a readable DICOM Part 10 file: {error.Message}", error);
        }
    }

    /// <summary>Writes preamble, 'DICM' and the meta group (PS3.10 7.1), explicit VR little endian.</summary>
    public byte[] Encode(string? sourceAeTitle = null)
    {
        var elements = new List<byte[]>
        {
            Element(0x0001, "OB", [0x00, 0x01]),
            Element(0x0002, "UI", Uid(SopClassUid)),
            Element(0x0003, "UI", Uid(SopInstanceUid)),
            Element(0x0010, "UI", Uid(TransferSyntaxUid)),
            Element(0x0012, "UI", Uid(DicomNetworkUids.ImplementationClassUid)),
            Element(0x0013, "SH", Padded(DicomNetworkUids.ImplementationVersionName, (byte)' ')),
        };
        if (sourceAeTitle is not null && AeTitleSyntax.IsValid(sourceAeTitle))
        {
            elements.Add(Element(0x0016, "AE", Padded(sourceAeTitle.Trim(), (byte)' ')));
        }

        var groupLength = elements.Sum(e => e.Length);
        var bytes = new byte[132 + 12 + groupLength];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        Element(0x0000, "UL", BitConverter.GetBytes((uint)groupLength)).CopyTo(bytes, 132);
        var offset = 144;
        foreach (var element in elements)
        {
            element.CopyTo(bytes, offset);
            offset += element.Length;
        }

        return bytes;
    }

    private static byte[] Uid(string uid) => Padded(uid, 0);

    private static byte[] Padded(string text, byte padding)
    {
        var count = Encoding.ASCII.GetByteCount(text);
        var bytes = new byte[count + (count & 1)];
        Encoding.ASCII.GetBytes(text, bytes);
        if ((count & 1) == 1)
        {
            bytes[^1] = padding;
        }

        return bytes;
    }

    private static byte[] Element(ushort element, string vr, byte[] value)
    {
        var isLong = LongLengthVrs.Contains(vr);
        var bytes = new byte[(isLong ? 12 : 8) + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, 0x0002);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), element);
        Encoding.ASCII.GetBytes(vr, bytes.AsSpan(4));
        if (isLong)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)value.Length);
        }

        value.CopyTo(bytes, isLong ? 12 : 8);
        return bytes;
    }
}
