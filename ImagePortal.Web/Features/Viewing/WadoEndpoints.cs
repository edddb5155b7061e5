using System.Globalization;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// WADO-RS (PS3.18 10.4): a series' metadata, an instance in its original transfer syntax, and frames (native ones as
/// octet-stream, compressed ones in their own media type). Instances come from the disk cache, fetched from the PACS
/// when missing, and go to the client from the file: never a whole study, nor a whole instance's frames, in memory.
/// </summary>
public static class WadoEndpoints
{
    public static RouteGroupBuilder MapWado(this RouteGroupBuilder group)
    {
        group.MapGet("/studies/{study}/series/{series}/metadata", MetadataAsync);
        group.MapGet("/studies/{study}/series/{series}/instances/{sop}", InstanceAsync);
        group.MapGet("/studies/{study}/series/{series}/instances/{sop}/metadata", InstanceMetadataAsync);
        group.MapGet("/studies/{study}/series/{series}/instances/{sop}/frames/{frames}", FramesAsync);
        group.MapSeriesPixelData();
        return group;
    }

    /// <summary>
    /// Every instance's data set up to its pixel data, in DICOM JSON, each written as its file reaches the cache (in that
    /// order: the viewer orders by instance number), so that the viewer decodes the frames the series' pixel data call
    /// brings while the PACS still sends the rest. A failure before the first data set is the answer (502, 504, or 404 for
    /// a file that does not match the path, alerted); after it, the connection is aborted (a broken answer, never a short
    /// one that looks whole).
    /// </summary>
    private static async Task<IResult> MetadataAsync(
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
        var json = new DicomJsonArray(http.Response);
        await foreach (var done in Task.WhenEach(Indexed(fetcher.Start(found.Study.Node, keys, found.WholeSeries))).WithCancellation(cancellationToken))
        {
            var (path, index) = await done;
            // Each header read once, checked, then written (a header stops before the pixel data).
            var header = InstanceLocator.Header(path);
            if (!await locator.MatchesAsync(number, header, study, series, keys[index].SopInstanceUid, cancellationToken))
            {
                if (!json.Started)
                {
                    return DicomWebEndpoints.NotFound();
                }

                http.Abort();
                return Results.Empty;
            }

            await json.WriteAsync(header, cancellationToken);
        }

        await json.EndAsync(cancellationToken);
        return Results.Empty;
    }

    /// <summary>Each file's task with its index in the order asked, for taking them as they reach the cache (Task.WhenEach).</summary>
    public static IEnumerable<Task<(string Path, int Index)>> Indexed(IReadOnlyList<Task<string>> files) =>
        files.Select(async (file, index) => (Path: await file, Index: index));

    /// <summary>
    /// One instance's data set up to its pixel data (PS3.18 10.4.1.1.2): what a thumbnail needs to decode one frame,
    /// without fetching the rest of its series from the PACS as the series' metadata would.
    /// </summary>
    private static async Task<IResult> InstanceMetadataAsync(
        string number, string study, string series, string sop, ViewingAccess access, ViewingAudit viewing, InstanceLocator locator, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var (path, refusal) = await LocateAsync(number, study, series, sop, access, viewing, locator, cancellationToken);
        if (path is null)
        {
            return refusal!;
        }

        // The header is read once: the one checked against the path is the one answered.
        var header = InstanceLocator.Header(path);
        if (!await locator.MatchesAsync(number, header, study, series, sop, cancellationToken))
        {
            return DicomWebEndpoints.NotFound();
        }

        await DicomWebEndpoints.WriteJsonAsync(http.Response, [header], cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> InstanceAsync(
        string number, string study, string series, string sop, ViewingAccess access, ViewingAudit viewing, InstanceLocator locator, HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var (path, refusal) = await LocateAsync(number, study, series, sop, access, viewing, locator, cancellationToken);
        if (path is null)
        {
            return refusal!;
        }

        // The header is read once: checked against the path, and its file meta says the transfer syntax.
        var header = DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData });
        if (!await locator.MatchesAsync(number, header.Dataset, study, series, sop, cancellationToken))
        {
            return DicomWebEndpoints.NotFound();
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var syntax = header.FileMetaInformation.GetUid(DicomTag.TransferSyntaxUID) ?? string.Empty;
        if (!AcceptedSyntaxes.Allow(http.Request, syntax))
        {
            return AcceptedSyntaxes.NotAcceptable(syntax);
        }

        var multipart = new MultipartRelated(http.Response, "application/dicom");
        await multipart.PartAsync($"application/dicom; transfer-syntax={syntax}", http.Request.Path, body => file.CopyToAsync(body, cancellationToken), cancellationToken);
        await multipart.EndAsync(cancellationToken);
        return Results.Empty;
    }

    private static async Task<IResult> FramesAsync(
        string number, string study, string series, string sop, string frames, ViewingAccess access, ViewingAudit viewing, InstanceLocator locator,
        HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var numbers = frames.Split(',').Select(f => int.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0).ToList();
        if (numbers.Count is 0 or > 1000 || numbers.Contains(0))
        {
            return DicomWebEndpoints.BadRequest("Frames are numbers from 1, separated by commas.");
        }

        var (path, refusal) = await LocateAsync(number, study, series, sop, access, viewing, locator, cancellationToken);
        if (path is null)
        {
            return refusal!;
        }

        // The file is read once: the frames are cut from the data set that is checked against the path.
        var reader = new FrameReader(path);
        if (!await locator.MatchesAsync(number, reader.Dataset, study, series, sop, cancellationToken))
        {
            return DicomWebEndpoints.NotFound();
        }

        if (numbers.FirstOrDefault(n => n > reader.FrameCount) is > 0 and var missing)
        {
            return DicomWebEndpoints.NotFound($"The instance has {Common.Labels.Count(reader.FrameCount, "frame")}; there is no frame {missing}.");
        }

        // Native frames go as explicit VR little endian whatever the stored native syntax.
        var sent = reader.TransferSyntax.IsEncapsulated ? reader.TransferSyntax.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid;
        if (!AcceptedSyntaxes.Allow(http.Request, sent))
        {
            return AcceptedSyntaxes.NotAcceptable(sent);
        }

        // Each part named by its frame's own URL and sized, as the series' pixel data is (SeriesPixelDataEndpoint): a client
        // takes each body by its length, with no search for the boundary.
        var framesPath = $"{http.Request.PathBase}{DicomWebEndpoints.Root}/requests/{Uri.EscapeDataString(number)}/studies/{study}/series/{series}/instances/{sop}/frames/";
        var multipart = new MultipartRelated(http.Response, FrameMediaTypes.TypeOf(reader.TransferSyntax));
        foreach (var frame in numbers)
        {
            // One frame at a time in memory (the writer's sync reads must not block the response stream), in a pooled array.
            var read = reader.Read(frame);
            try
            {
                await multipart.PartAsync(
                    reader.MediaType, framesPath + frame.ToString(CultureInfo.InvariantCulture), body => body.WriteAsync(read.Memory, cancellationToken).AsTask(),
                    cancellationToken, read.Length);
            }
            finally
            {
                read.Release();
            }
        }

        await multipart.EndAsync(cancellationToken);
        return Results.Empty;
    }

    /// <summary>
    /// The cached file of an instance the user may see; else the answer to give (400, or 404 alerted where it is a refusal).
    /// Not yet checked against the path: each caller checks the header it reads anyway (one read of the file).
    /// </summary>
    private static async Task<(string? Path, IResult? Refusal)> LocateAsync(
        string number, string study, string series, string sop, ViewingAccess access, ViewingAudit viewing, InstanceLocator locator,
        CancellationToken cancellationToken)
    {
        if (!DicomWebEndpoints.IsUid(study) || !DicomWebEndpoints.IsUid(series) || !DicomWebEndpoints.IsUid(sop))
        {
            return (null, DicomWebEndpoints.BadRequest("The study, series or instance is not a DICOM UID."));
        }

        if (await access.StudyAsync(number, study, cancellationToken) is not { } found
            || !await access.AllowsInstanceAsync(number, found.Study, sop, cancellationToken))
        {
            return (null, DicomWebEndpoints.NotFound());
        }

        await viewing.ViewedAsync(number, found.Study);
        var path = await locator.UncheckedFileAsync(found.Study, series, sop, cancellationToken);
        return path is null ? (null, DicomWebEndpoints.NotFound("No such instance in this series.")) : (path, null);
    }
}
