using System.Buffers.Binary;
using System.Text;

namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// Writes big-endian PDU fields into a growable buffer, with length placeholders that are patched once
/// the item they measure is complete.
/// </summary>
public sealed class PduWriter
{
    private byte[] _buffer;
    private int _length;

    public PduWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void Reset() => _length = 0;

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Take(value.Length));

    public void WriteZeros(int count) => Take(count).Clear();

    public void WriteAscii(string value)
    {
        var span = Take(Encoding.ASCII.GetByteCount(value));
        Encoding.ASCII.GetBytes(value, span);
    }

    /// <summary>PS3.8 9.3.2: an AE title field, 16 bytes padded with trailing spaces.</summary>
    public void WriteAeTitle(string aeTitle)
    {
        var span = Take(16);
        span.Fill((byte)' ');
        Encoding.ASCII.GetBytes(aeTitle, span);
    }

    /// <summary>Reserves a big-endian 16-bit length; <see cref="EndLength16"/> fills in what followed it.</summary>
    public int BeginLength16()
    {
        var at = _length;
        Take(2);
        return at;
    }

    public void EndLength16(int at)
    {
        var length = _length - at - 2;
        if (length > ushort.MaxValue)
        {
            throw new InvalidOperationException($"An item of {length} bytes does not fit a 16-bit item length (PS3.8 9.3.2.1).");
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer.AsSpan(at), (ushort)length);
    }

    public int BeginLength32()
    {
        var at = _length;
        Take(4);
        return at;
    }

    public void EndLength32(int at) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(at), (uint)(_length - at - 4));

    /// <summary>Writes one item (PS3.8 9.3.2.1 layout: type, reserved, 16-bit length, value).</summary>
    public void WriteTextItem(byte itemType, string value)
    {
        WriteByte(itemType);
        WriteByte(0);
        var at = BeginLength16();
        WriteAscii(value);
        EndLength16(at);
    }

    private Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, _length + count)];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
