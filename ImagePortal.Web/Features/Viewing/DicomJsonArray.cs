using ImagePortal.Dicom.Data;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// A DICOM JSON array (PS3.18 F.2) written into the response one data set at a time, each on a line of its own (the
/// writer's compact JSON has no raw line breaks): still one JSON array, and a client can use each data set as its line
/// arrives (the viewer does with a series' metadata, which comes as the PACS sends the instances).
/// </summary>
public sealed class DicomJsonArray(HttpResponse response)
{
    /// <summary>Whether the answer has started (its status can no longer change).</summary>
    public bool Started { get; private set; }

    public async Task WriteAsync(DicomDataset dataset, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        buffer.Write(Started ? ",\n"u8 : "[\n"u8);
        DicomJsonWriter.Write(buffer, dataset, indented: false);
        buffer.Position = 0;
        Start();
        await buffer.CopyToAsync(response.Body, cancellationToken);
    }

    public async Task EndAsync(CancellationToken cancellationToken)
    {
        var end = Started ? "\n]"u8.ToArray() : "[]"u8.ToArray();
        Start();
        await response.Body.WriteAsync(end, cancellationToken);
    }

    private void Start()
    {
        if (!Started)
        {
            response.ContentType = DicomWebEndpoints.DicomJson;
            response.Headers.CacheControl = "private, no-store";
            Started = true;
        }
    }
}
