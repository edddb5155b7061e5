namespace ImagePortal.Dicom.IO;

/// <summary>
/// Base of the read-only, forward-only streams DICOM data flows through (a data set arriving PDV by PDV, a header
/// followed by the rest of a file): no seeking, no length, no writing. Subclasses implement
/// <see cref="Read(Span{byte})"/> and, where it differs, <see cref="Stream.ReadAsync(Memory{byte}, CancellationToken)"/>.
/// </summary>
public abstract class ForwardReadStream : Stream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override int Read(Span<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override void Flush()
    {
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
