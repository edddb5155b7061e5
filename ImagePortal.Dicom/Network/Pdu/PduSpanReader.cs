using System.Buffers.Binary;
using System.Text;

namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// Reads big-endian PDU fields (PS3.8 9.3: PDU and item headers are big endian) from a span, checking
/// every length against what remains so that a hostile length can never read past the PDU.
/// </summary>
internal ref struct PduSpanReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public PduSpanReader(ReadOnlySpan<byte> span)
    {
        _span = span;
        _position = 0;
    }

    public readonly int Remaining => _span.Length - _position;

    public byte ReadByte(string field)
    {
        Require(1, field);
        return _span[_position++];
    }

    public ushort ReadUInt16(string field)
    {
        Require(2, field);
        var value = BinaryPrimitives.ReadUInt16BigEndian(_span[_position..]);
        _position += 2;
        return value;
    }

    public uint ReadUInt32(string field)
    {
        Require(4, field);
        var value = BinaryPrimitives.ReadUInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes(long count, string field)
    {
        Require(count, field);
        var slice = _span.Slice(_position, (int)count);
        _position += (int)count;
        return slice;
    }

    public void Skip(long count, string field) => ReadBytes(count, field);

    /// <summary>An AE title field (PS3.8 9.3.2): 16 bytes, leading and trailing spaces not significant.</summary>
    public string ReadAeTitle(string field) => Encoding.ASCII.GetString(ReadBytes(16, field)).Trim(' ', '\0');

    /// <summary>
    /// A UID or name carried in an item (PS3.8 Annex F: not padded, but some implementations pad with
    /// NUL or space anyway, which is tolerated).
    /// </summary>
    public static string DecodeText(ReadOnlySpan<byte> bytes) => Encoding.ASCII.GetString(bytes).TrimEnd('\0', ' ');

    private readonly void Require(long count, string field)
    {
        if (count < 0 || count > Remaining)
        {
            throw new DicomProtocolException(
                $"{field}: needs {count} bytes but only {Remaining} remain in the PDU.");
        }
    }
}
