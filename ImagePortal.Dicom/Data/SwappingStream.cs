namespace ImagePortal.Dicom.Data;

/// <summary>
/// Passes bytes on with every <c>unit</c>-byte unit reversed, whatever the sizes of the writes (a unit split between
/// two writes is held back until it is whole). A value's length is a multiple of its unit (PS3.5 §6.2). Disposing
/// it leaves the stream it writes to open.
/// </summary>
internal sealed class SwappingStream(Stream output, int unit) : Stream
{
    private readonly byte[] _partial = new byte[8];
    private int _held;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (_held > 0 && buffer.Length > 0)
        {
            _partial[_held++] = buffer[0];
            buffer = buffer[1..];
            if (_held == unit)
            {
                ByteSwap.ToLittleEndian(_partial.AsSpan(0, unit), unit);
                output.Write(_partial.AsSpan(0, unit));
                _held = 0;
            }
        }

        var whole = buffer.Length - (buffer.Length % unit);
        if (whole > 0)
        {
            var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Min(whole, 1 << 16));
            try
            {
                for (var at = 0; at < whole; at += chunk.Length - (chunk.Length % unit))
                {
                    var size = Math.Min(whole - at, chunk.Length - (chunk.Length % unit));
                    buffer.Slice(at, size).CopyTo(chunk);
                    ByteSwap.ToLittleEndian(chunk.AsSpan(0, size), unit);
                    output.Write(chunk, 0, size);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
            }
        }

        buffer[whole..].CopyTo(_partial);
        _held = buffer.Length - whole;
    }

    public override void Flush() => output.Flush();

    /// <summary>A trailing partial unit (a malformed length) goes out as it came, as the reader left it.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && _held > 0)
        {
            output.Write(_partial.AsSpan(0, _held));
            _held = 0;
        }

        base.Dispose(disposing);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
