using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Pdu;

namespace ImagePortal.Dicom.Network.Dimse;

/// <summary>
/// The data set a DIMSE message carries (a C-FIND identifier or match, a retrieve's Failed SOP Instance UID List),
/// encoded and decoded the same way by the requestor (<c>DicomClientAssociation</c>) and the acceptor
/// (<c>DicomServer</c>'s services): in the presentation context's transfer syntax, without a meta group, and read
/// from the peer only up to a bound.
/// </summary>
public static class DimseDataSet
{
    /// <summary>A query or response data set larger than this is not one; bounds what a peer can make us buffer.</summary>
    public const int MaxLength = 16 * 1024 * 1024;

    /// <summary>Encodes a data set for a DIMSE message: never group 0002 (PS3.7 6.3.1, DICOM_NOTES).</summary>
    public static byte[] Encode(DicomDataset dataset, DicomTransferSyntax syntax)
    {
        var copy = dataset.Clone();
        copy.RemoveAll(item => item.Tag.Group == 0x0002);
        using var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, copy, syntax);
        return stream.ToArray();
    }

    /// <summary>Decodes a data set from the peer (null when there is none); malformed input ends in <see cref="DicomFormatException"/>.</summary>
    public static DicomDataset? Decode(byte[]? bytes, DicomTransferSyntax syntax)
    {
        if (bytes is null || bytes.Length == 0)
        {
            return null;
        }

        using var stream = new MemoryStream(bytes, writable: false);
        return DicomReader.ReadDataset(stream, syntax);
    }

    /// <summary>
    /// Reads a message's data set to its end into memory, refusing (abort, invalid PDU parameter) one above
    /// <see cref="MaxLength"/>; <paramref name="what"/> names it in that refusal.
    /// </summary>
    public static async Task<byte[]> ReadBoundedAsync(Stream dataSet, string what, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await dataSet.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxLength)
            {
                throw new DicomProtocolException($"{what} above {MaxLength} bytes.", AbortReason.InvalidPduParameterValue);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
