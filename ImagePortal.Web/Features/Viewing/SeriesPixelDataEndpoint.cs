using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// WADO-RS Series Pixel Data (PS3.18 10.4, the <c>/pixeldata</c> resources): every frame of a series in one streamed
/// <c>multipart/related</c> answer, one part a frame, each named by its Content-Location (the frame's own URL under this
/// service) and sized by its Content-Length. The viewer reads a 300-slice stack in one call instead of 300. Instances are
/// written in the order they reach the disk cache, while the PACS still sends the rest, a few frames at a time in memory
/// (<see cref="ReadAhead"/>, read by <see cref="SeriesFrames"/> while the one before goes out): never a whole series nor a
/// whole instance. Same scope and audit as the other WADO-RS routes (one "DICOM Instances
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
        var (found, refusal) = await SeriesInstances.FindAsync(number, study, series, access, viewing, queries, cancellationToken);
        if (found is null)
        {
            return refusal!;
        }

        var keys = found.Keys;
        var seriesPath = $"{http.Request.PathBase}{DicomWebEndpoints.Root}/requests/{Uri.EscapeDataString(number)}/studies/{study}/series/{series}/instances/";
        var reading = new SeriesFrames(keys, seriesPath, (header, sop) => locator.MatchesAsync(number, header, study, series, sop, cancellationToken),
            syntax => AcceptedSyntaxes.Allow(http.Request, syntax));

        // The next frames are read from the cache while the one before goes out (a few frames ahead: bounded memory).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var parts = Channel.CreateBounded<FramePart>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
        var reader = Task.Run(() => reading.ReadAsync(fetcher.Start(found.Study.Node, keys, found.WholeSeries), parts.Writer, stop.Token), CancellationToken.None);
        MultipartRelated? multipart = null;
        try
        {
            await foreach (var part in parts.Reader.ReadAllAsync(cancellationToken))
            {
                multipart ??= new MultipartRelated(http.Response, part.MultipartType);
                try
                {
                    await multipart.PartAsync(part.ContentType, part.Location, body => body.WriteAsync(part.Frame.Memory, cancellationToken).AsTask(), cancellationToken, part.Frame.Length);
                }
                finally
                {
                    part.Frame.Release();
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await reader; // it ends on the cancellation, and keeps its own failures
        }

        if (multipart is not null)
        {
            await multipart.EndAsync(cancellationToken);
            return Results.Empty;
        }

        // Nothing sent: the reason, as the instance and frames routes would give it.
        if (reading.Refusal is not null)
        {
            return reading.Refusal;
        }

        if (reading.Failure is not null)
        {
            ExceptionDispatchInfo.Throw(reading.Failure);
        }

        return DicomWebEndpoints.NotFound("The series has no frames here.");
    }

    /// <summary>Frames read ahead of the response: enough to keep the socket busy while the next file is opened and cut.</summary>
    private const int ReadAhead = 4;
}
