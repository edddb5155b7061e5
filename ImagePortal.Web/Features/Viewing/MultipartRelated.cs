using System.Text;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// Writes a <c>multipart/related</c> answer (RFC 2387, PS3.18 8.6.1.2) part by part straight into the response, so an
/// instance or a frame goes from the cache file to the socket without being held whole in memory.
/// </summary>
public sealed class MultipartRelated(HttpResponse response, string type)
{
    private readonly string _boundary = "imageportal-" + Guid.NewGuid().ToString("N");
    private bool _started;

    /// <summary>The response's Content-Type: <c>multipart/related; type="..."; boundary=...</c>.</summary>
    public string ContentType => $"multipart/related; type=\"{type}\"; boundary={_boundary}";

    /// <summary>
    /// One part. <paramref name="contentLength"/>, where the body's size is known, lets a client take the body without
    /// searching it for the boundary (a streamed series of frames).
    /// </summary>
    public async Task PartAsync(string contentType, string? contentLocation, Func<Stream, Task> writeBody, CancellationToken cancellationToken, long? contentLength = null)
    {
        if (!_started)
        {
            response.ContentType = ContentType;
            response.Headers.CacheControl = "private, no-store";
            _started = true;
        }

        var head = new StringBuilder().Append("--").Append(_boundary).Append("\r\n")
            .Append("Content-Type: ").Append(contentType).Append("\r\n");
        if (contentLocation is not null)
        {
            head.Append("Content-Location: ").Append(contentLocation).Append("\r\n");
        }

        if (contentLength is { } length)
        {
            head.Append("Content-Length: ").Append(length.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        }

        await response.Body.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), cancellationToken);
        await writeBody(response.Body);
        await response.Body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
    }

    public async Task EndAsync(CancellationToken cancellationToken) =>
        await response.Body.WriteAsync(Encoding.ASCII.GetBytes($"--{_boundary}--\r\n"), cancellationToken);
}
