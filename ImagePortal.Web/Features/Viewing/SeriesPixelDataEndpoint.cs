using System.Globalization;
using System.Runtime.ExceptionServices;
using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// WADO-RS Series Pixel Data (PS3.18 10.4, the <c>/pixeldata</c> resources): every frame of a series in one streamed
/// <c>multipart/related</c> answer, one part a frame, each named by its Content-Location (the frame's own URL under this
/// service) and sized by its Content-Length. The viewer reads a 300-slice stack in one call instead of 300. Instances are
/// written in the order they reach the disk cache, while the PACS still sends the rest, one frame at a time in memory:
/// never a whole series nor a whole instance. Same scope and audit as the other WADO-RS routes (one "DICOM Instances
/// Accessed" per view). What cannot be sent (an instance the PACS did not send, a file that does not match the path, a
/// frame that cannot be cut out, a syntax the client does not accept) is left out, the rest still sent: a client asks for a
/// missing frame alone and gets that route's answer. Nothing sent at all is that failure's answer (502, 504, 404, 406).
/// </summary>
public static class SeriesPixelDataEndpoint
{
    public static RouteGroupBuilder MapSeriesPixelData(this RouteGroupBuilder group)
    {
        group.MapGet("/studies/{study}/series/{series}/pixeldata", PixelDataAsync);
        return group;
    }

    private static async Task<IResult> PixelDataAsync(
        string number, string study, string series, ViewingAccess access, ViewingAudit viewing, PacsQueries queries, InstanceFetcher fetcher,
        InstanceLocator locator, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        if (!DicomWebEndpoints.IsUid(study) || !DicomWebEndpoints.IsUid(series))
        {
            return DicomWebEndpoints.BadRequest("The study or series is not a DICOM UID.");
        }

        if (await access.StudyAsync(number, study, cancellationToken) is not { } found)
        {
            return DicomWebEndpoints.NotFound();
        }

        await viewing.ViewedAsync(number, found.Study);
        var allowed = await access.ImportedInstancesAsync(found.Study, cancellationToken);
        var answers = await queries.InstancesAsync(found.Study, series, null, allowed, cancellationToken);
        if (answers.Count == 0)
        {
            return DicomWebEndpoints.NotFound("The series has no instances here.");
        }

        var keys = answers.Select(a => PacsQueries.KeyOf(a, study, series)).ToList();
        var files = fetcher.Start(found.Study.Node, keys);
        var seriesPath = $"{http.Request.PathBase}{DicomWebEndpoints.Root}/requests/{Uri.EscapeDataString(number)}/studies/{study}/series/{series}/instances/";
        MultipartRelated? multipart = null;
        Exception? failure = null;
        IResult? refusal = null;
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
                failure ??= error;
                continue;
            }

            FrameReader reader;
            try
            {
                reader = new FrameReader(path);
            }
            catch (DicomFormatException error)
            {
                failure ??= error;
                continue;
            }

            // The file is checked against the path from the data set its frames are cut from (a mismatch is alerted).
            var sop = keys[index].SopInstanceUid;
            if (!await locator.MatchesAsync(number, reader.Dataset, study, series, sop, cancellationToken))
            {
                refusal ??= DicomWebEndpoints.NotFound();
                continue;
            }

            // Native frames go as explicit VR little endian whatever the stored native syntax (as the frames route).
            var sent = reader.TransferSyntax.IsEncapsulated ? reader.TransferSyntax.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid;
            if (!AcceptedSyntaxes.Allow(http.Request, sent))
            {
                refusal ??= AcceptedSyntaxes.NotAcceptable(sent);
                continue;
            }

            multipart ??= new MultipartRelated(http.Response, FrameMediaTypes.TypeOf(reader.TransferSyntax));
            for (var frame = 1; frame <= reader.FrameCount; frame++)
            {
                // One frame at a time in memory (the reader's sync reads must not block the response stream).
                using var buffer = new MemoryStream();
                try
                {
                    reader.CopyFrame(frame, buffer);
                }
                catch (FrameNotFoundException error)
                {
                    failure ??= error;
                    break;
                }

                buffer.Position = 0;
                var location = seriesPath + sop + "/frames/" + frame.ToString(CultureInfo.InvariantCulture);
                await multipart.PartAsync(reader.MediaType, location, body => buffer.CopyToAsync(body, cancellationToken), cancellationToken, buffer.Length);
            }
        }

        if (multipart is not null)
        {
            await multipart.EndAsync(cancellationToken);
            return Results.Empty;
        }

        // Nothing sent: the reason, as the instance and frames routes would give it.
        if (refusal is not null)
        {
            return refusal;
        }

        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        return DicomWebEndpoints.NotFound("The series has no frames here.");
    }
}
