namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A read-only view of an answer's body that refuses to go past <paramref name="limit"/> bytes: an oversized answer
/// fails with a <see cref="DicomWebException"/> as soon as it is over, rather than filling memory or a disk. A read that
/// fails (the connection dropped, the multipart ended early) is a <see cref="DicomWebException"/> too, so the caller
/// can tell the node's fault from its own (a full disk); unless <paramref name="translateErrors"/> is false, for a stream
/// under another that says more (the whole answer under one of its parts).
/// </summary>
internal sealed class LimitedStream(Stream inner, long limit, string what, bool leaveOpen = false, bool translateErrors = true) : ReadOnlyStream
{
    private long _read;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Count(inner.Read(buffer));
        }
        catch (Exception error) when (IsBroken(error))
        {
            throw BrokeOff(error);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return Count(await inner.ReadAsync(buffer, cancellationToken));
        }
        catch (Exception error) when (IsBroken(error))
        {
            throw BrokeOff(error);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await inner.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    private bool IsBroken(Exception error) => translateErrors && error is IOException or InvalidDataException or HttpRequestException;

    private DicomWebException BrokeOff(Exception error) =>
        new($"{what}: the answer broke off or is malformed: {error.Message}", isTransient: error is not InvalidDataException, inner: error);

    private int Count(int read)
    {
        _read += read;
        if (_read > limit)
        {
            throw new DicomWebException($"{what}: the answer is larger than the {limit:N0} bytes allowed; refused.");
        }

        return read;
    }
}
