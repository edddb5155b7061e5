namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A part's body as the retrieval's intake reads it: a <see cref="DicomWebException"/> (the answer broke off, or grew over
/// its limit) becomes an <see cref="IOException"/> with the same message, which the intake takes for a broken connection
/// (the attempt fails and is retried) rather than for a fault of the instance. Bytes already read from the part
/// (<paramref name="prefix"/>) come first.
/// </summary>
internal sealed class BrokenAsIOStream(Stream inner, ReadOnlyMemory<byte> prefix = default) : ReadOnlyStream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => inner.CanRead;

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            return FromPrefix(buffer);
        }

        try
        {
            return inner.Read(buffer);
        }
        catch (DicomWebException error)
        {
            throw new IOException(error.Message, error);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_prefix.IsEmpty)
        {
            return FromPrefix(buffer.Span);
        }

        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (DicomWebException error)
        {
            throw new IOException(error.Message, error);
        }
    }

    private int FromPrefix(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..count].CopyTo(buffer);
        _prefix = _prefix[count..];
        return count;
    }
}
