namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A data set that gives its first <see cref="FreeBytes"/> at once (more than one PDU of the largest size, so the peer
/// has begun to receive it) and waits for <paramref name="gate"/> before the rest.
/// </summary>
internal sealed class GatedStream(Stream inner, Task gate) : Stream
{
    public const int FreeBytes = 320 * 1024;

    private long _given;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_given >= FreeBytes)
        {
            await gate.WaitAsync(cancellationToken);
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, FreeBytes - _given)], cancellationToken);
        _given += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
