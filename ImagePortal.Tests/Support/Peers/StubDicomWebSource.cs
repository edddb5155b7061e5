using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ImagePortal.Dicom.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A DICOMweb archive over Part 10 files on a Kestrel stub at 127.0.0.1, for the answers a real one will not give on
/// demand: QIDO-RS at study (answered with the patient of the study's first file only, as a source that lists the
/// approved patient would), series and instance level, and WADO-RS of a study or an instance as multipart/related.
/// <see cref="Fault"/> lets a test answer a request its own way (a 503, an answer cut short).
/// </summary>
public sealed class StubDicomWebSource : IAsyncDisposable
{
    private readonly List<(string Path, DicomDataset Dataset)> _instances = [];
    private readonly WebApplication _app;

    private StubDicomWebSource(IEnumerable<string> files, WebApplication app)
    {
        foreach (var file in files)
        {
            _instances.Add((file, DicomFile.Open(file, new DicomReaderOptions { StopAtTag = DicomTag.PixelData }).Dataset));
        }

        _app = app;
    }

    public Uri Root { get; private set; } = null!;

    /// <summary>Every request as "GET path?query", in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>
    /// Called with each request and how many WADO-RS requests came before it; returns true when it answered the request
    /// itself. Its second argument writes the normal answer, so a fault can cut it short.
    /// </summary>
    public Func<HttpContext, Func<Stream, Task>, int, Task<bool>>? Fault { get; set; }

    /// <summary>Answers the first WADO-RS request with <paramref name="answer"/> (given the normal answer's writer), the rest normally.</summary>
    public void FaultFirstRetrieve(Func<HttpContext, Func<Stream, Task>, Task> answer) => Fault = async (context, normal, before) =>
    {
        if (before != 0)
        {
            return false;
        }

        await answer(context, normal);
        return true;
    };

    private int _retrieves;

    public static async Task<StubDicomWebSource> StartAsync(IEnumerable<string> files, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var stub = new StubDicomWebSource(files, builder.Build());
        stub._app.Run(stub.AnswerAsync);
        await stub._app.StartAsync(cancellationToken);
        // Port 0 above: the OS gave one nobody holds.
        var app = stub._app;
        stub.Root = new Uri($"http://127.0.0.1:{new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port}/dicom-web/");
        return stub;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext context)
    {
        Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        var isRetrieve = segments is ["studies", _] or ["studies", _, "series", _, "instances", _];
        var before = isRetrieve ? Interlocked.Increment(ref _retrieves) - 1 : -1;
        var instances = _instances.Where(i => segments.Length < 2 || i.Dataset.GetString(DicomTag.StudyInstanceUID) == segments[1]).ToList();
        Func<Stream, Task> normal = segments switch
        {
            ["studies"] => body => JsonAsync(context, body, _instances
                .Where(i => context.Request.Query["StudyInstanceUID"].ToString() is var uid && (uid.Length == 0 || i.Dataset.GetString(DicomTag.StudyInstanceUID) == uid))
                .GroupBy(i => i.Dataset.GetString(DicomTag.StudyInstanceUID))
                .Select(g => Study(g.First().Dataset, g.Count()))),
            ["studies", _, "series"] => body => JsonAsync(context, body, instances.GroupBy(i => i.Dataset.GetString(DicomTag.SeriesInstanceUID))
                .Select(g => Pick(g.First().Dataset, DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID, DicomTag.Modality))),
            ["studies", _, "series", var series, "instances"] => body => JsonAsync(context, body, instances
                .Where(i => i.Dataset.GetString(DicomTag.SeriesInstanceUID) == series)
                .Select(i => Pick(i.Dataset, DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID, DicomTag.SOPInstanceUID, DicomTag.SOPClassUID))),
            ["studies", _] => body => MultipartAsync(context, body, instances),
            ["studies", _, "series", _, "instances", var sop] => body => MultipartAsync(context, body, instances.Where(i => i.Dataset.GetString(DicomTag.SOPInstanceUID) == sop).ToList()),
            _ => _ =>
            {
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            },
        };
        if (Fault is { } fault && await fault(context, normal, before))
        {
            return;
        }

        await normal(context.Response.Body);
    }

    private static DicomDataset Study(DicomDataset first, int count)
    {
        var study = Pick(first, DicomTag.StudyInstanceUID, DicomTag.PatientID, DicomTag.PatientName, DicomTag.StudyDate);
        study.SetString(DicomTag.NumberOfStudyRelatedInstances, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return study;
    }

    private static DicomDataset Pick(DicomDataset from, params DicomTag[] tags)
    {
        var picked = new DicomDataset();
        picked.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        foreach (var tag in tags)
        {
            if (from.GetString(tag) is { } value)
            {
                picked.SetString(tag, value);
            }
        }

        return picked;
    }

    private static async Task JsonAsync(HttpContext context, Stream body, IEnumerable<DicomDataset> answers)
    {
        var list = answers.ToList();
        if (list.Count == 0)
        {
            context.Response.StatusCode = 204;
            return;
        }

        context.Response.ContentType = "application/dicom+json";
        await body.WriteAsync(Encoding.UTF8.GetBytes("[" + string.Join(",", list.Select(d => DicomJsonWriter.Serialize(d, indented: false))) + "]"));
    }

    private static async Task MultipartAsync(HttpContext context, Stream body, List<(string Path, DicomDataset Dataset)> instances)
    {
        if (instances.Count == 0)
        {
            context.Response.StatusCode = 404;
            return;
        }

        var parts = new List<byte[]>();
        foreach (var (path, _) in instances)
        {
            parts.Add(await File.ReadAllBytesAsync(path));
        }

        await WriteMultipartAsync(context, body, parts);
    }

    /// <summary>A WADO-RS answer of <paramref name="parts"/>, each as application/dicom whatever it holds.</summary>
    public static async Task WriteMultipartAsync(HttpContext context, Stream body, IEnumerable<byte[]> parts)
    {
        const string boundary = "stub-boundary-0001";
        context.Response.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={boundary}";
        foreach (var part in parts)
        {
            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"));
            await body.WriteAsync(part);
            await body.WriteAsync("\r\n"u8.ToArray());
        }

        await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
    }
}
