using System.Buffers.Binary;
using System.Text;
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

    private static readonly HashSet<string> LongLengthVrs = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"];

    /// <summary>
    /// Reads the preamble and meta group of a Part 10 stream and leaves the stream at the first byte
    /// of the data set. The meta group length (0002,0000) is used when present; without it the stream
    /// must be seekable.
    /// </summary>
    public static async Task<Part10Header> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var prefix = new byte[132];
        await ReadExactlyOrFail(stream, prefix, "preamble").ConfigureAwait(false);
        if (!prefix.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            throw new InvalidDataException("Not a DICOM Part 10 file: no 'DICM' after the 128-byte preamble (PS3.10 7.1).");
        }

        string? sopClass = null, sopInstance = null, transferSyntax = null;
        long? metaEnd = null;
        var consumed = 0L;
        var header = new byte[12];
        while (metaEnd is null || consumed < metaEnd)
        {
            if (metaEnd is null && !stream.CanSeek && consumed > 0)
            {
                throw new InvalidDataException("The meta group has no group length (0002,0000) and the stream cannot be re-read to find its end.");
            }

            var start = stream.CanSeek ? stream.Position : 0;
            var read = await stream.ReadAtLeastAsync(header.AsMemory(0, 8), 8, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < 8)
            {
                throw new InvalidDataException("The file ends inside its meta group.");
            }

            var group = BinaryPrimitives.ReadUInt16LittleEndian(header);
            if (group != 0x0002)
            {
                if (metaEnd is not null || !stream.CanSeek)
                {
                    throw new InvalidDataException($"Group {group:X4} inside the meta group.");
                }

                // No group length: the data set starts here.
                stream.Position = start;
                break;
            }

            var element = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2));
            var vr = Encoding.ASCII.GetString(header, 4, 2);
            uint length;
            var headerLength = 8;
            if (LongLengthVrs.Contains(vr))
            {
                await ReadExactlyOrFail(stream, header.AsMemory(8, 4), "meta element").ConfigureAwait(false);
                length = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(8));
                headerLength = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(6));
            }

            if (length > MaxMetaLength || consumed + headerLength + length > MaxMetaLength)
            {
                throw new InvalidDataException($"Meta element (0002,{element:X4}) of {length} bytes: the meta group is limited to {MaxMetaLength} bytes.");
            }

            var value = new byte[length];
            await ReadExactlyOrFail(stream, value, "meta element value").ConfigureAwait(false);
            consumed += headerLength + length;
            switch (element)
            {
                case 0x0000 when length == 4:
                    metaEnd = consumed + BinaryPrimitives.ReadUInt32LittleEndian(value);
                    if (metaEnd > MaxMetaLength)
                    {
                        throw new InvalidDataException($"Meta group length {metaEnd} exceeds {MaxMetaLength} bytes.");
                    }

                    break;
                case 0x0002:
                    sopClass = Text(value);
                    break;
                case 0x0003:
                    sopInstance = Text(value);
                    break;
                case 0x0010:
                    transferSyntax = Text(value);
                    break;
            }
        }

        if (string.IsNullOrEmpty(sopClass) || string.IsNullOrEmpty(sopInstance) || string.IsNullOrEmpty(transferSyntax))
        {
            throw new InvalidDataException("The meta group lacks Media Storage SOP Class/Instance UID or Transfer Syntax UID (PS3.10 7.1).");
        }

        return new Part10Header(sopClass, sopInstance, transferSyntax);

        async Task ReadExactlyOrFail(Stream s, Memory<byte> buffer, string what)
        {
            try
            {
                await s.ReadExactlyAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"The file ends inside its {what}.");
            }
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
        if (sourceAeTitle is not null && AeTitle.IsValid(sourceAeTitle))
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

    private static string Text(byte[] value) => Encoding.ASCII.GetString(value).TrimEnd('\0', ' ');

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
