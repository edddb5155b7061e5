using System.Net.Http.Headers;
using Microsoft.AspNetCore.WebUtilities;

namespace ImagePortal.Tests.Support;

/// <summary>One part of a multipart/related answer: its Content-Type, bytes and the Content-Location and Content-Length it names.</summary>
public sealed record MultipartPart(string ContentType, byte[] Body, string? Location = null, string? Length = null);

/// <summary>Reads a multipart/related answer with ASP.NET Core's own reader (RFC 2046 boundaries, strictly).</summary>
public static class MultipartParts
{
    /// <summary>The parts of <paramref name="response"/>, after checking it is multipart/related of <paramref name="type"/>.</summary>
    public static async Task<IReadOnlyList<MultipartPart>> ReadAsync(HttpResponseMessage response, string type, CancellationToken cancellationToken)
    {
        var contentType = response.Content.Headers.ContentType ?? throw new InvalidOperationException("No Content-Type.");
        Assert.Equal("multipart/related", contentType.MediaType);
        Assert.Equal($"\"{type}\"", Parameter(contentType, "type"));
        var boundary = Parameter(contentType, "boundary")?.Trim('"') ?? throw new InvalidOperationException("No boundary.");
        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync(cancellationToken));
        var parts = new List<MultipartPart>();
        while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
        {
            using var body = new MemoryStream();
            await section.Body.CopyToAsync(body, cancellationToken);
            parts.Add(new MultipartPart(
                section.ContentType ?? string.Empty, body.ToArray(), section.Headers?.GetValueOrDefault("Content-Location").ToString() is { Length: > 0 } location ? location : null,
                section.Headers?.GetValueOrDefault("Content-Length").ToString() is { Length: > 0 } length ? length : null));
        }

        return parts;
    }

    private static string? Parameter(MediaTypeHeaderValue contentType, string name) =>
        contentType.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}
