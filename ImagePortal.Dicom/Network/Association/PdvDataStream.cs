using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Association;

/// <summary>
/// The data set of a received message, read fragment by fragment from the association's P-DATA-TF
/// PDUs, so that a large instance flows from the socket to its destination without being buffered whole.
/// </summary>
internal sealed class PdvDataStream : IO.ForwardReadStream
{
    private readonly DicomAssociation _association;
    private readonly byte _contextId;
    private ReadOnlyMemory<byte> _current;
    private bool _sawLast;

    public PdvDataStream(DicomAssociation association, byte contextId)
    {
        _association = association;
        _contextId = contextId;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_current.IsEmpty)
        {
            if (_sawLast || buffer.IsEmpty)
            {
                return 0;
            }

            await NextFragmentAsync(cancellationToken).ConfigureAwait(false);
        }

        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        Consumed(count);
        return count;
    }

    /// <summary>
    /// Writes each fragment straight from the PDU buffer to <paramref name="destination"/>: no
    /// intermediate copy (a C-STORE received into a file is copied once, socket buffer to file).
    /// </summary>
    public override async Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        while (true)
        {
            if (_current.IsEmpty)
            {
                if (_sawLast)
                {
                    return;
                }

                await NextFragmentAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var fragment = _current;
            await destination.WriteAsync(fragment, cancellationToken).ConfigureAwait(false);
            Consumed(fragment.Length);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var read = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, read).CopyTo(buffer);
            return read;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }


    private void Consumed(int count)
    {
        _current = _current[count..];
        if (_current.IsEmpty && _sawLast)
        {
            _association.DataStreamFinished(this);
        }
    }

    private async ValueTask NextFragmentAsync(CancellationToken cancellationToken)
    {
        Pdv pdv;
        try
        {
            pdv = await _association.NextPdvAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new DicomProtocolException("A-RELEASE-RQ in the middle of a data set (PS3.8 9.2 Sta6).", AbortReason.UnexpectedPdu);
            if (pdv.IsCommand)
            {
                throw new DicomProtocolException("A command fragment arrived inside a data set: messages must not interleave (PS3.8 9.3.5).", AbortReason.UnexpectedPduParameter);
            }

            if (pdv.PresentationContextId != _contextId)
            {
                throw new DicomProtocolException($"A data set fragment on context {pdv.PresentationContextId} inside a message on context {_contextId} (PS3.8 9.3.5.1).", AbortReason.InvalidPduParameterValue);
            }
        }
        catch (Exception error)
        {
            var reported = await _association.DataStreamFailedAsync(error).ConfigureAwait(false);
            if (ReferenceEquals(reported, error))
            {
                throw;
            }

            throw reported;
        }

        _current = pdv.Data;
        _sawLast = pdv.IsLastFragment;
        if (_sawLast && _current.IsEmpty)
        {
            _association.DataStreamFinished(this);
        }
    }
}
