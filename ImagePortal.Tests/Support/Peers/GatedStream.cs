using ImagePortal.Infrastructure.DicomWeb;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A data set that gives its first <see cref="FreeBytes"/> at once (more than one PDU of the largest size, so the peer
/// has begun to receive it) and waits for <paramref name="gate"/> before the rest.
/// </summary>
internal sealed class GatedStream(Stream inner, Task gate) : ReadOnlyStream
{
    public const int FreeBytes = 320 * 1024;

    private long _given;

    public override int Read(Span<byte> buffer)
    {
        if (_given >= FreeBytes)
        {
            gate.Wait();
            return inner.Read(buffer);
        }

        var read = inner.Read(buffer[..(int)Math.Min(buffer.Length, FreeBytes - _given)]);
        _given += read;
        return read;
    }

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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
