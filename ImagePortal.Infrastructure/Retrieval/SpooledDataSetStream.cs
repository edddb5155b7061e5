using ImagePortal.Dicom.IO;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The data set of a spooled instance as it is sent to the destination: the reconciled header (bytes in memory, or a
/// file), then the received file from <c>restOffset</c> to its end. Read-only and forward-only, like the network stream it feeds.
/// </summary>
/// <remarks>
/// Both files were just written and sit in the page cache, so they are read with plain synchronous reads even from
/// <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>: on Linux a <see cref="FileStream"/>'s asynchronous read is
/// a synchronous read queued to the thread pool, and that hop for every PDU-sized fragment cost more than the copy.
/// </remarks>
internal sealed class SpooledDataSetStream : ForwardReadStream
{
    private const int BufferSize = 1 << 16;
    private readonly Stream _header;
    private readonly FileStream _rest;
    private bool _inRest;

    public SpooledDataSetStream(byte[]? header, string? headerPath, string restPath, long restOffset)
    {
        _header = header is not null
            ? new MemoryStream(header, writable: false)
            : new FileStream(headerPath ?? throw new ArgumentNullException(nameof(headerPath)), FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        try
        {
            _rest = new FileStream(restPath, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
            _rest.Position = restOffset;
        }
        catch
        {
            _header.Dispose();
            throw;
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (!_inRest)
        {
            var read = _header.Read(buffer);
            if (read > 0 || buffer.IsEmpty)
            {
                return read;
            }

            _inRest = true;
        }

        return _rest.Read(buffer);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _header.Dispose();
            _rest.Dispose();
        }

        base.Dispose(disposing);
    }
}
