using System.Buffers;
using System.Buffers.Binary;

namespace ImagePortal.Dicom.Network.Pdu;

/// <summary>
/// One PDU as read from the transport: its type and its variable field in a pooled buffer that is
/// returned on dispose.
/// </summary>
public sealed class PduFrame : IDisposable
{
    /// <summary>
    /// A-ASSOCIATE-RQ/AC carry at most 128 presentation contexts (PS3.8 9.3.2.2) and a few user
    /// information sub-items; 1 MiB is far above any real one and bounds what a hostile peer can make us allocate.
    /// </summary>
    public const int MaxAssociatePduLength = 1 << 20;

    /// <summary>
    /// Some toolkits fill a P-DATA-TF to the announced maximum plus the PDV header; a small margin
    /// tolerates them without opening the door to large allocations.
    /// </summary>
    public const int DataPduMargin = 1024;

    /// <summary>Used when we announced 0 (unlimited): still a bound on what one PDU may make us allocate.</summary>
    public const int UnlimitedDataPduCap = 64 << 20;

    private byte[]? _buffer;

    private PduFrame(PduType type, byte[] buffer, int length)
    {
        Type = type;
        _buffer = buffer;
        Length = length;
    }

    public PduType Type { get; }

    public int Length { get; }

    public ReadOnlyMemory<byte> Body => (_buffer ?? throw new ObjectDisposedException(nameof(PduFrame))).AsMemory(0, Length);

    /// <summary>
    /// Reads one PDU. Returns null when the peer closed the connection cleanly before a new PDU began;
    /// throws <see cref="DicomProtocolException"/> for an unknown type or a length no PDU of that type
    /// may have, and <see cref="EndOfStreamException"/> when the connection ends inside a PDU.
    /// </summary>
    public static async ValueTask<PduFrame?> ReadAsync(Stream stream, uint maxDataPduLength, CancellationToken cancellationToken)
    {
        var header = new byte[6];
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            return null;
        }

        if (read < header.Length)
        {
            throw new EndOfStreamException($"The connection closed inside a PDU header ({read} of 6 bytes).");
        }

        var type = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(2));
        var limit = LimitFor(type, maxDataPduLength);
        if (length > limit.Max || length < limit.Min)
        {
            throw new DicomProtocolException(
                $"PDU type 0x{type:X2} with length {length}: allowed {limit.Min} to {limit.Max} (PS3.8 9.3).",
                AbortReason.InvalidPduParameterValue);
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Max(length, 1));
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, (int)length), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new PduFrame((PduType)type, buffer, (int)length);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static (uint Min, uint Max) LimitFor(byte type, uint maxDataPduLength) => type switch
    {
        // Fixed part: version 2 + reserved 2 + AE titles 32 + reserved 32.
        (byte)PduType.AssociateRequest or (byte)PduType.AssociateAccept => (68, MaxAssociatePduLength),
        (byte)PduType.AssociateReject or (byte)PduType.ReleaseRequest or (byte)PduType.ReleaseResponse or (byte)PduType.Abort => (4, 4),
        (byte)PduType.DataTransfer => (6, maxDataPduLength == 0 ? UnlimitedDataPduCap : (uint)Math.Min((ulong)maxDataPduLength + DataPduMargin, UnlimitedDataPduCap)),
        _ => throw new DicomProtocolException($"Unrecognized PDU type 0x{type:X2} (PS3.8 9.3.1).", AbortReason.UnrecognizedPdu),
    };
}
