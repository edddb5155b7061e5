using System.Buffers.Binary;
using System.IO.Compression;

namespace ImagePortal.Dicom.Data;

/// <summary>
/// Buffered, position-tracking reads over a stream for the parser. Every read checks what the stream still holds before
/// anything is allocated, because the input may be hostile: with a seekable stream against its length, otherwise by
/// reading in bounded chunks so a forged length cannot make us allocate more than the data that actually arrives.
/// </summary>
internal sealed class ByteReader
{
    private const int BufferSize = 1 << 16;
    private const int ChunkSize = 1 << 20;

    private readonly byte[] _buffer = new byte[BufferSize];
    private Stream _stream;
    private long _origin;
    private long _bufferBase;
    private int _bufferPos;
    private int _bufferLen;
    private long _length;
    private readonly long _limit;

    /// <param name="limit">The most bytes accepted from a stream of unknown length (a decompression bomb stops here).</param>
    public ByteReader(Stream stream, long limit = long.MaxValue)
    {
        _limit = limit;
        _stream = stream;
        IsSeekable = stream.CanSeek;
        _origin = IsSeekable ? stream.Position : 0;
        _length = IsSeekable ? stream.Length - _origin : -1;
    }

    public bool IsSeekable { get; private set; }

    /// <summary>Bytes read so far, from where reading started (after a switch to deflate: of the inflated stream).</summary>
    public long Position => _bufferBase + _bufferPos;

    /// <summary>Absolute position in the underlying seekable stream, for values left in place.</summary>
    public long StreamOffset => _origin + Position;

    /// <summary>What the stream still holds; for streams of unknown length, what the limit still allows.</summary>
    public long Remaining => _length >= 0 ? _length - Position : _limit - Position;

    public bool IsAtEnd => !TryFill(1);

    public bool TryPeek(Span<byte> destination)
    {
        if (!TryFill(destination.Length))
        {
            return false;
        }

        _buffer.AsSpan(_bufferPos, destination.Length).CopyTo(destination);
        return true;
    }

    /// <summary>Copies up to <paramref name="destination"/>'s length without consuming; returns how many bytes the input still held.</summary>
    public int PeekUpTo(Span<byte> destination)
    {
        TryFill(destination.Length);
        var count = Math.Min(destination.Length, _bufferLen - _bufferPos);
        _buffer.AsSpan(_bufferPos, count).CopyTo(destination);
        return count;
    }

    /// <summary>
    /// Consumes zero bytes up to the first non-zero byte or the end of the input; returns how many. Input of unknown
    /// length stops at the limit, so endless inflated zeros cannot keep the reader busy.
    /// </summary>
    public long SkipZeros()
    {
        long skipped = 0;
        while (TryFill(1))
        {
            var buffered = _buffer.AsSpan(_bufferPos, _bufferLen - _bufferPos);
            var nonZero = buffered.IndexOfAnyExcept((byte)0);
            var zeros = nonZero >= 0 ? nonZero : buffered.Length;
            _bufferPos += zeros;
            skipped += zeros;
            if (nonZero >= 0)
            {
                break;
            }

            if (_length < 0 && Position > _limit)
            {
                throw new DicomFormatException(Position, $"the data goes on beyond the {_limit} bytes accepted");
            }
        }

        return skipped;
    }

    public ushort ReadUInt16(bool bigEndian)
    {
        Require(2);
        var span = _buffer.AsSpan(_bufferPos, 2);
        _bufferPos += 2;
        return bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    }

    public uint ReadUInt32(bool bigEndian)
    {
        Require(4);
        var span = _buffer.AsSpan(_bufferPos, 4);
        _bufferPos += 4;
        return bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);
    }

    public void ReadExactly(Span<byte> destination)
    {
        Require(destination.Length);
        _buffer.AsSpan(_bufferPos, destination.Length).CopyTo(destination);
        _bufferPos += destination.Length;
    }

    /// <summary>Reads a value of <paramref name="length"/> bytes, allocating only what the stream proves to hold.</summary>
    public byte[] ReadBytes(long length)
    {
        var start = Position;
        try
        {
            return ReadBytesCore(length);
        }
        catch (DicomFormatException exception) when (exception.Offset != start)
        {
            throw new DicomFormatException(start, $"the data ends inside a value of {length} bytes that starts here", exception);
        }
    }

    private byte[] ReadBytesCore(long length)
    {
        if (length > Remaining)
        {
            throw new DicomFormatException(Position, $"a value of {length} bytes is longer than the {Remaining} bytes left");
        }

        if (length > Array.MaxLength)
        {
            throw new DicomFormatException(Position, $"a value of {length} bytes is too large to load; read it deferred");
        }

        if (length <= ChunkSize || _length >= 0)
        {
            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            CopyOut(bytes);
            return bytes;
        }

        // Unknown stream length: grow in bounded chunks, so a forged length costs at most what actually arrives.
        var chunks = new List<byte[]>();
        var left = length;
        while (left > 0)
        {
            var chunk = GC.AllocateUninitializedArray<byte>((int)Math.Min(left, ChunkSize));
            CopyOut(chunk);
            chunks.Add(chunk);
            left -= chunk.Length;
        }

        var result = GC.AllocateUninitializedArray<byte>((int)length);
        var offset = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(result, offset);
            offset += chunk.Length;
        }

        return result;
    }

    public void Skip(long length)
    {
        if (length > Remaining)
        {
            throw new DicomFormatException(Position, $"a value of {length} bytes is longer than the {Remaining} bytes left");
        }

        var buffered = _bufferLen - _bufferPos;
        if (length <= buffered)
        {
            _bufferPos += (int)length;
            return;
        }

        if (IsSeekable)
        {
            var target = Position + length;
            _stream.Position = _origin + target;
            _bufferBase = target;
            _bufferPos = 0;
            _bufferLen = 0;
            return;
        }

        var left = length;
        while (left > 0)
        {
            if (!TryFill(1))
            {
                throw Truncated();
            }

            var step = (int)Math.Min(left, _bufferLen - _bufferPos);
            _bufferPos += step;
            left -= step;
        }
    }

    /// <summary>
    /// PS3.5 §A.5: after the file meta information the rest of the stream is raw deflate (RFC 1951). Bytes already
    /// buffered belong to it; positions continue counting inflated bytes.
    /// </summary>
    public void SwitchToDeflate()
    {
        var leftover = _buffer.AsSpan(_bufferPos, _bufferLen - _bufferPos).ToArray();
        Stream compressed = new PrefixedStream(leftover, _stream);
        _stream = new DeflateStream(compressed, CompressionMode.Decompress);
        _bufferBase = Position;
        _bufferPos = 0;
        _bufferLen = 0;
        _length = -1;
        _origin = 0;
        IsSeekable = false;
    }

    public DicomFormatException Truncated() => new(Position, "the data ends in the middle of an element");

    private void Require(int count)
    {
        if (!TryFill(count))
        {
            throw Truncated();
        }
    }

    private void CopyOut(Span<byte> destination)
    {
        var buffered = Math.Min(_bufferLen - _bufferPos, destination.Length);
        _buffer.AsSpan(_bufferPos, buffered).CopyTo(destination);
        _bufferPos += buffered;
        var rest = destination[buffered..];
        if (!rest.IsEmpty)
        {
            // The buffer is used up: read the rest straight into the destination.
            _bufferBase += _bufferPos;
            _bufferPos = 0;
            _bufferLen = 0;
        }

        while (!rest.IsEmpty)
        {
            int read;
            try
            {
                read = _stream.Read(rest);
            }
            catch (InvalidDataException exception)
            {
                throw new DicomFormatException(Position, "the deflated data is corrupt", exception);
            }

            if (read == 0)
            {
                throw Truncated();
            }

            rest = rest[read..];
            _bufferBase += read;
        }
    }

    private bool TryFill(int count)
    {
        if (_bufferLen - _bufferPos >= count)
        {
            return true;
        }

        if (_bufferPos > 0)
        {
            var kept = _bufferLen - _bufferPos;
            _buffer.AsSpan(_bufferPos, kept).CopyTo(_buffer);
            _bufferBase += _bufferPos;
            _bufferPos = 0;
            _bufferLen = kept;
        }

        while (_bufferLen < count)
        {
            int read;
            try
            {
                read = _stream.Read(_buffer, _bufferLen, _buffer.Length - _bufferLen);
            }
            catch (InvalidDataException exception)
            {
                throw new DicomFormatException(Position, "the deflated data is corrupt", exception);
            }

            if (read == 0)
            {
                return false;
            }

            _bufferLen += read;
        }

        return true;
    }

    /// <summary>A read-only stream of some bytes followed by the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : IO.ForwardReadStream
    {
        private int _prefixPos;

        public override int Read(Span<byte> buffer)
        {
            if (_prefixPos < prefix.Length)
            {
                var count = Math.Min(buffer.Length, prefix.Length - _prefixPos);
                prefix.AsSpan(_prefixPos, count).CopyTo(buffer);
                _prefixPos += count;
                return count;
            }

            return rest.Read(buffer);
        }
    }
}
