using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// One frame of a series' pixel data answer, read and ready to write: its bytes are <c>Bytes[..Length]</c>. A native frame's
/// array is rented from the shared pool (<paramref name="Pooled"/>): the writer gives it back once the frame is out.
/// </summary>
public sealed record FramePart(string MultipartType, string ContentType, string Location, byte[] Bytes, int Length, bool Pooled = false)
{
    /// <summary>Gives a rented array back to the pool (the part is not used afterwards).</summary>
    public void Release()
    {
        if (Pooled)
        {
            ArrayPool<byte>.Shared.Return(Bytes);
        }
    }
}

/// <summary>
/// Cuts the frames of a series' instances out of their cached files, each instance as its file reaches the cache, into a
/// bounded channel that <see cref="SeriesPixelDataEndpoint"/> writes out. An instance that cannot be sent is left out and
/// the reason kept (<see cref="Failure"/>: not sent by the PACS, not DICOM, a frame that cannot be cut out;
/// <see cref="Refusal"/>: a file that does not match the path, alerted by the check, or a syntax the client does not
/// accept), so that an answer with no frame at all can say why.
/// </summary>
public sealed class SeriesFrames(
    IReadOnlyList<InstanceKey> keys, string instancesPath, Func<DicomDataset, string, Task<bool>> matches, Func<string, bool> accepts)
{
    public Exception? Failure { get; private set; }

    public IResult? Refusal { get; private set; }

    public async Task ReadAsync(IReadOnlyList<Task<string>> files, ChannelWriter<FramePart> parts, CancellationToken cancellationToken)
    {
        Exception? broke = null;
        try
        {
            await foreach (var done in Task.WhenEach(WadoEndpoints.Indexed(files)).WithCancellation(cancellationToken))
            {
                string path;
                int index;
                try
                {
                    (path, index) = await done;
                }
                catch (Exception error) when (error is PacsUnavailableException or PacsTimeoutException or InstanceNotSentException)
                {
                    Failure ??= error;
                    continue;
                }

                await InstanceAsync(path, keys[index].SopInstanceUid, parts, cancellationToken);
            }
        }
        catch (Exception error)
        {
            broke = error;
        }
        finally
        {
            parts.TryComplete(broke is OperationCanceledException ? null : broke);
        }
    }

    private async Task InstanceAsync(string path, string sop, ChannelWriter<FramePart> parts, CancellationToken cancellationToken)
    {
        FrameReader reader;
        try
        {
            reader = new FrameReader(path);
        }
        catch (DicomFormatException error)
        {
            Failure ??= error;
            return;
        }

        // The file is checked against the path from the data set its frames are cut from (a mismatch is alerted).
        if (!await matches(reader.Dataset, sop))
        {
            Refusal ??= DicomWebEndpoints.NotFound();
            return;
        }

        // Native frames go as explicit VR little endian whatever the stored native syntax (as the frames route).
        var sent = reader.TransferSyntax.IsEncapsulated ? reader.TransferSyntax.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid;
        if (!accepts(sent))
        {
            Refusal ??= AcceptedSyntaxes.NotAcceptable(sent);
            return;
        }

        var multipartType = FrameMediaTypes.TypeOf(reader.TransferSyntax);
        // A native frame (512 KB for a CT slice) is read into a pooled array: a new one a frame would put 150 MB a series
        // on the large object heap, each zeroed first and then collected by full collections.
        var nativeSize = reader.NativeFrameSize is { } native ? checked((int)native) : 0;
        for (var frame = 1; frame <= reader.FrameCount; frame++)
        {
            var pooled = nativeSize > 0 ? ArrayPool<byte>.Shared.Rent(nativeSize) : null;
            var buffer = pooled is null ? new MemoryStream() : new MemoryStream(pooled, 0, nativeSize, writable: true, publiclyVisible: true);
            try
            {
                reader.CopyFrame(frame, buffer);
            }
            catch (FrameNotFoundException error)
            {
                ReturnRented(pooled);
                Failure ??= error;
                return;
            }
            catch
            {
                ReturnRented(pooled);
                throw;
            }

            var location = instancesPath + sop + "/frames/" + frame.ToString(CultureInfo.InvariantCulture);
            var part = new FramePart(multipartType, reader.MediaType, location, buffer.GetBuffer(), checked((int)buffer.Position), pooled is not null);
            try
            {
                await parts.WriteAsync(part, cancellationToken);
            }
            catch
            {
                part.Release();
                throw;
            }
        }
    }

    private static void ReturnRented(byte[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
