using ImagePortal.Infrastructure.DicomWeb;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// An instance as a STOW-RS body reads it: each read (as the node accepts the bytes before it) is progress, so that one
/// instance that takes longer than <see cref="RetrievalOptions.StallTimeout"/> to upload is not taken for a stall.
/// </summary>
internal sealed class TouchingStream(Stream inner, Action touched) : ReadOnlyStream
{
    public override int Read(Span<byte> buffer)
    {
        touched();
        return inner.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        touched();
        return inner.ReadAsync(buffer, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
