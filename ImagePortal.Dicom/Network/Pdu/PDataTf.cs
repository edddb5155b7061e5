using System.Buffers.Binary;

namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>PS3.8 9.3.5.1: one presentation data value: a fragment of a command or data set.</summary>
public readonly record struct Pdv(byte PresentationContextId, bool IsCommand, bool IsLastFragment, ReadOnlyMemory<byte> Data)
{
    /// <summary>PDV item length (4) + presentation context id (1) + message control header (1).</summary>
    public const int HeaderLength = 6;

    /// <summary>PS3.8 E.2: bit 0 set = command, bit 1 set = last fragment.</summary>
    public byte ControlHeader => (byte)((IsCommand ? 1 : 0) | (IsLastFragment ? 2 : 0));
}

/// <summary>PS3.8 9.3.5: P-DATA-TF, one or more PDV items.</summary>
public static class PDataTf
{
    /// <summary>PDU header (6) + one PDV header (6): what a single-PDV P-DATA-TF adds to its fragment.</summary>
    public const int SinglePdvOverhead = 12;

    /// <summary>
    /// Writes the PDU header and one PDV header for a fragment of <paramref name="fragmentLength"/>
    /// bytes into <paramref name="destination"/> (12 bytes).
    /// </summary>
    public static void WriteSinglePdvHeader(Span<byte> destination, byte contextId, bool isCommand, bool isLast, int fragmentLength)
    {
        destination[0] = (byte)PduType.DataTransfer;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)(fragmentLength + Pdv.HeaderLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination[6..], (uint)(fragmentLength + 2));
        destination[10] = contextId;
        destination[11] = (byte)((isCommand ? 1 : 0) | (isLast ? 2 : 0));
    }

    public static void Write(PduWriter writer, IEnumerable<Pdv> pdvs)
    {
        writer.WriteByte((byte)PduType.DataTransfer);
        writer.WriteByte(0);
        var at = writer.BeginLength32();
        foreach (var pdv in pdvs)
        {
            writer.WriteUInt32((uint)(pdv.Data.Length + 2));
            writer.WriteByte(pdv.PresentationContextId);
            writer.WriteByte(pdv.ControlHeader);
            writer.WriteBytes(pdv.Data.Span);
        }

        writer.EndLength32(at);
    }

    /// <summary>
    /// Splits the variable field of a P-DATA-TF into PDVs whose data are slices of <paramref name="body"/>.
    /// </summary>
    public static List<Pdv> Read(ReadOnlyMemory<byte> body)
    {
        var pdvs = new List<Pdv>(1);
        var offset = 0;
        while (offset < body.Length)
        {
            var reader = new PduSpanReader(body.Span[offset..]);
            var itemLength = reader.ReadUInt32("PDV item-length");
            // PS3.8 9.3.5.1: the item length covers the context id and the control header, so it is at least 2.
            if (itemLength < 2)
            {
                throw new DicomProtocolException($"PDV item-length {itemLength} is shorter than its own header (PS3.8 9.3.5.1).");
            }

            var value = reader.ReadBytes(itemLength, "PDV");
            var contextId = value[0];
            var control = value[1];
            if ((control & 0xFC) != 0)
            {
                throw new DicomProtocolException($"PDV message control header 0x{control:X2} sets reserved bits (PS3.8 E.2).");
            }

            pdvs.Add(new Pdv(contextId, (control & 1) != 0, (control & 2) != 0, body.Slice(offset + 6, (int)itemLength - 2)));
            offset += 4 + (int)itemLength;
        }

        if (pdvs.Count == 0)
        {
            throw new DicomProtocolException("P-DATA-TF without any PDV (PS3.8 9.3.5).");
        }

        return pdvs;
    }
}
