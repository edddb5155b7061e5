using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ImagePortal.Dicom.Network.Dimse;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A STOW-RS destination on 127.0.0.1 (a small Kestrel app) that reads each request's parts as DICOM and answers as
/// <see cref="Answer"/> says: the status of the whole request, or a Failed SOP Sequence for chosen instances. It counts,
/// per SOP Instance UID, how often an instance was sent at all and how often it was stored (answered as stored).
/// </summary>
public sealed class StowStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private StowStub(WebApplication app) => _app = app;

    /// <summary>The service root, e.g. <c>http://127.0.0.1:port/dicom-web/</c>.</summary>
    public Uri Root { get; private set; } = null!;

    /// <summary>
    /// For the n-th request (from 1) and its instances' UIDs: an HTTP status to answer without storing anything (503, say),
    /// or null to store them all except those in the returned map, which fail with their Failure Reason.
    /// </summary>
    public Func<int, IReadOnlyList<string>, (HttpStatusCode? Status, IReadOnlyDictionary<string, ushort>? Refused)> Answer { get; set; } =
        (_, _) => (null, null);

    /// <summary>Instances stored with a Warning Reason (0008,1196) in their Referenced SOP Sequence item.</summary>
    public IReadOnlyDictionary<string, ushort> Warnings { get; set; } = new Dictionary<string, ushort>();

    /// <summary>An <see cref="Answer"/> status that answers nothing: the connection is dropped once the request is read.</summary>
    public const HttpStatusCode LoseConnection = (HttpStatusCode)1;

    /// <summary>When more than zero, the request's body is read 256 KiB at a time with this pause between: a slow but steady node.</summary>
    public TimeSpan ReadPause { get; set; }

    public ConcurrentDictionary<string, int> Sent { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Stored { get; } = new(StringComparer.Ordinal);

    /// <summary>The files stored, by SOP Instance UID (the last one sent).</summary>
    public ConcurrentDictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    /// <summary>The SOP Instance UIDs of each request, in the order the requests came.</summary>
    public ConcurrentQueue<IReadOnlyList<string>> Batches { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<StowStub> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Port 0: the OS gives one nobody holds, read back once it listens.
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var stub = new StowStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync(cancellationToken);
        stub.Root = new Uri($"http://127.0.0.1:{new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port}/dicom-web/");
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        if (!HttpMethods.IsPost(context.Request.Method) || context.Request.Path != "/dicom-web/studies")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(context.Request.ContentType).Boundary).Value!;
        var reader = new MultipartReader(boundary, ReadPause > TimeSpan.Zero ? await ReadSlowlyAsync(context) : context.Request.Body) { BodyLengthLimit = 256L * 1024 * 1024 };
        var parts = new List<(string SopClass, string Sop, byte[] File)>();
        while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
        {
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body, context.RequestAborted);
            var file = body.ToArray();
            var meta = await Part10Header.ReadAsync(new MemoryStream(file), context.RequestAborted);
            parts.Add((meta.SopClassUid, meta.SopInstanceUid, file));
        }

        Batches.Enqueue([.. parts.Select(p => p.Sop)]);
        foreach (var part in parts)
        {
            Sent.AddOrUpdate(part.Sop, 1, (_, n) => n + 1);
        }

        var (status, refused) = Answer(number, [.. parts.Select(p => p.Sop)]);
        if (status == LoseConnection)
        {
            context.Abort();
            return;
        }

        if (status is { } whole)
        {
            context.Response.StatusCode = (int)whole;
            return;
        }

        refused ??= new Dictionary<string, ushort>();
        var referenced = new List<string>();
        var failed = new List<string>();
        foreach (var (sopClass, sop, file) in parts)
        {
            if (refused.TryGetValue(sop, out var reason))
            {
                failed.Add($"{{\"00081150\":{{\"vr\":\"UI\",\"Value\":[\"{sopClass}\"]}},\"00081155\":{{\"vr\":\"UI\",\"Value\":[\"{sop}\"]}},\"00081197\":{{\"vr\":\"US\",\"Value\":[{reason}]}}}}");
                continue;
            }

            Stored.AddOrUpdate(sop, 1, (_, n) => n + 1);
            Files[sop] = file;
            var warning = Warnings.TryGetValue(sop, out var code) ? $",\"00081196\":{{\"vr\":\"US\",\"Value\":[{code}]}}" : string.Empty;
            referenced.Add($"{{\"00081150\":{{\"vr\":\"UI\",\"Value\":[\"{sopClass}\"]}},\"00081155\":{{\"vr\":\"UI\",\"Value\":[\"{sop}\"]}}{warning}}}");
        }

        var json = new StringBuilder("{");
        json.Append($"\"00081199\":{{\"vr\":\"SQ\",\"Value\":[{string.Join(',', referenced)}]}}");
        if (failed.Count > 0)
        {
            json.Append($",\"00081198\":{{\"vr\":\"SQ\",\"Value\":[{string.Join(',', failed)}]}}");
        }

        json.Append('}');
        // PS3.18 §10.5.3: 200 when all were stored, 202 when some failed, 409 when none was.
        context.Response.StatusCode = failed.Count == 0 ? 200 : referenced.Count > 0 ? 202 : 409;
        context.Response.ContentType = "application/dicom+json";
        await context.Response.WriteAsync(json.ToString(), context.RequestAborted);
    }

    private async Task<Stream> ReadSlowlyAsync(HttpContext context)
    {
        var body = new MemoryStream();
        var buffer = new byte[256 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            body.Write(buffer, 0, read);
            await Task.Delay(ReadPause, context.RequestAborted);
        }

        body.Position = 0;
        return body;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
