using System.Globalization;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>One frame of a series' pixel data answer, read and ready to write; the writer releases it once the frame is out.</summary>
public sealed record FramePart(string MultipartType, string ContentType, string Location, ReadFrame Frame);

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
        for (var frame = 1; frame <= reader.FrameCount; frame++)
        {
            ReadFrame read;
            try
            {
                read = reader.Read(frame);
            }
            catch (FrameNotFoundException error)
            {
                Failure ??= error;
                return;
            }

            var location = instancesPath + sop + "/frames/" + frame.ToString(CultureInfo.InvariantCulture);
            var part = new FramePart(multipartType, reader.MediaType, location, read);
            try
            {
                await parts.WriteAsync(part, cancellationToken);
            }
            catch
            {
                read.Release();
                throw;
            }
        }
    }
}
