namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A read-only, forward-only view of an answer's body (<see cref="LimitedStream"/>, <see cref="BrokenAsIOStream"/>):
/// everything but reading is refused, and the array overloads of reading go to the span and memory ones. Not
/// <see cref="ImagePortal.Dicom.IO.ForwardReadStream"/>: that one seals <c>CanRead</c> and <c>Position</c>, which a
/// body's view reports (<see cref="LimitedStream"/> its count, <see cref="BrokenAsIOStream"/> whether its answer is
/// still open), and leaves the asynchronous array read on the synchronous one.
/// </summary>
internal abstract class ReadOnlyStream : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public abstract override int Read(Span<byte> buffer);

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
