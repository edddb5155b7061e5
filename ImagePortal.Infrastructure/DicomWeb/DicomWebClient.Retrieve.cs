using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// WADO-RS retrieve (PS3.18 §10.4): a study, a series or an instance as <c>multipart/related; type="application/dicom"</c>
/// in the transfer syntax the node holds (<c>transfer-syntax=*</c>, §8.7.3.5.2), read with ASP.NET Core's
/// <see cref="MultipartReader"/> part by part: each instance streams to the caller, never whole in memory.
/// </summary>
public sealed partial class DicomWebClient
{
    private const string RetrieveAccept = "multipart/related; type=\"application/dicom\"; transfer-syntax=*";

    /// <summary>
    /// Retrieves the instances of a study (or of one of its series, or one instance) and hands each to
    /// <paramref name="onInstance"/> as it arrives. Returns how many were handed over. A broken answer throws a
    /// <see cref="DicomWebException"/> saying how many instances had arrived whole before it broke.
    /// </summary>
    public async Task<int> RetrieveAsync(
        string studyInstanceUid,
        string? seriesInstanceUid,
        string? sopInstanceUid,
        Func<DicomWebPart, CancellationToken, Task> onInstance,
        CancellationToken cancellationToken = default)
    {
        if (sopInstanceUid is not null && seriesInstanceUid is null)
        {
            throw new ArgumentException("An instance is retrieved within its series.", nameof(seriesInstanceUid));
        }

        var resource = $"studies/{Uid(studyInstanceUid)}"
            + (seriesInstanceUid is null ? string.Empty : $"/series/{Uid(seriesInstanceUid)}")
            + (sopInstanceUid is null ? string.Empty : $"/instances/{Uid(sopInstanceUid)}");
        using var response = await SendAsync(HttpMethod.Get, resource, RetrieveAccept, content: null, cancellationToken);
        var boundary = MultipartBoundary(response, resource);
        // A broken connection is reported by the part being read, or by the search for the next part, with the count.
        await using var body = new LimitedStream(await response.Content.ReadAsStreamAsync(cancellationToken), node.MaxRetrieveBytes, Describe(resource), translateErrors: false);
        var reader = new MultipartReader(boundary, body);
        var delivered = 0;
        while (true)
        {
            MultipartSection? section;
            try
            {
                section = await reader.ReadNextSectionAsync(cancellationToken);
            }
            catch (Exception error) when (error is IOException or InvalidDataException or HttpRequestException)
            {
                throw new DicomWebException($"{Describe(resource)}: the multipart answer broke off or is malformed after {delivered} whole instance(s): {error.Message}", isTransient: error is not InvalidDataException, inner: error);
            }
            catch (DicomWebException error)
            {
                throw new DicomWebException($"{error.Message} ({delivered} whole instance(s) had arrived)", error.StatusCode, error.IsTransient, error);
            }

            if (section is null)
            {
                return delivered;
            }

            var type = section.ContentType is { } text && MediaTypeHeaderValue.TryParse(text, out var parsed) ? parsed : null;
            if (type is null || !type.MediaType.Equals(ApplicationDicom, StringComparison.OrdinalIgnoreCase))
            {
                throw new DicomWebException(
                    $"{Describe(resource)}: part {delivered + 1} is {section.ContentType ?? "without a Content-Type"}, not {ApplicationDicom}; "
                    + $"{delivered} instance(s) had arrived before it.");
            }

            var syntax = type.Parameters.FirstOrDefault(p => p.Name.Equals("transfer-syntax", StringComparison.OrdinalIgnoreCase))?.Value.ToString().Trim('"') ?? string.Empty;
            section.Headers!.TryGetValue("Content-Location", out var location);
            var what = $"{Describe(resource)}: instance {delivered + 1} (after {delivered} whole instance(s))";
            await using var instance = new LimitedStream(section.Body, node.MaxInstanceBytes, what, leaveOpen: true);
            var part = new DicomWebPart(delivered, type.ToString(), syntax.Length > 0 ? syntax : null, location.Count > 0 ? location.ToString() : null, instance);
            await onInstance(part, cancellationToken);
            delivered++;
        }
    }

    private string MultipartBoundary(HttpResponseMessage response, string resource)
    {
        var contentType = response.Content.Headers.ContentType;
        if (contentType is null || !string.Equals(contentType.MediaType, "multipart/related", StringComparison.OrdinalIgnoreCase))
        {
            throw new DicomWebException($"{Describe(resource)} answered {contentType?.MediaType ?? "without a Content-Type"}, not multipart/related.");
        }

        var type = Parameter(contentType, "type");
        if (type is not null && !type.Trim('"').Equals(ApplicationDicom, StringComparison.OrdinalIgnoreCase))
        {
            throw new DicomWebException($"{Describe(resource)} answered multipart/related of {type.Trim('"')}, not of {ApplicationDicom}.");
        }

        var boundary = Parameter(contentType, "boundary")?.Trim('"');
        if (string.IsNullOrEmpty(boundary) || boundary.Length > 200)
        {
            // RFC 2046 §5.1.1 says 1 to 70 characters, but Orthanc's DICOMweb plugin sends 72: only absurd ones are refused.
            throw new DicomWebException($"{Describe(resource)} answered multipart/related without a valid boundary.");
        }

        return boundary;
    }

    private static string? Parameter(System.Net.Http.Headers.MediaTypeHeaderValue contentType, string name) =>
        contentType.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}
