using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A client of one DICOMweb node (PS3.18): QIDO-RS to search (this file), WADO-RS to retrieve instances
/// (<c>DicomWebClient.Retrieve.cs</c>), STOW-RS to store them (<c>DicomWebClient.Store.cs</c>). Answers stream: nothing
/// is held whole in memory, and each answer has a size limit. Every failure is a <see cref="DicomWebException"/> whose
/// message names the node and the reason; nothing already handed to the caller is taken back. The HTTP client comes
/// from <see cref="DicomWebRegistration"/>: retries on 5xx and broken connections (never on 4xx), redirects not followed.
/// </summary>
public sealed partial class DicomWebClient(HttpClient http, DicomWebOptions node, IDicomWebTokenProvider? tokens = null)
{
    public const string DicomJson = "application/dicom+json";
    public const string ApplicationDicom = "application/dicom";

    public DicomWebOptions Node => node;

    /// <summary>QIDO-RS studies (PS3.18 §10.6): <c>GET {root}/studies?...</c>.</summary>
    public IAsyncEnumerable<DicomDataset> SearchStudiesAsync(DicomWebQuery query, CancellationToken cancellationToken = default) =>
        SearchAsync("studies", query, cancellationToken);

    /// <summary>QIDO-RS series, of one study or (without it) of all studies.</summary>
    public IAsyncEnumerable<DicomDataset> SearchSeriesAsync(string? studyInstanceUid, DicomWebQuery query, CancellationToken cancellationToken = default) =>
        SearchAsync(studyInstanceUid is null ? "series" : $"studies/{Uid(studyInstanceUid)}/series", query, cancellationToken);

    /// <summary>QIDO-RS instances, of one series, of one study, or of all studies.</summary>
    public IAsyncEnumerable<DicomDataset> SearchInstancesAsync(string? studyInstanceUid, string? seriesInstanceUid, DicomWebQuery query, CancellationToken cancellationToken = default)
    {
        if (seriesInstanceUid is not null && studyInstanceUid is null)
        {
            throw new ArgumentException("A series is searched within its study.", nameof(studyInstanceUid));
        }

        var path = (studyInstanceUid, seriesInstanceUid) switch
        {
            (null, _) => "instances",
            (_, null) => $"studies/{Uid(studyInstanceUid)}/instances",
            _ => $"studies/{Uid(studyInstanceUid)}/series/{Uid(seriesInstanceUid)}/instances",
        };
        return SearchAsync(path, query, cancellationToken);
    }

    private async IAsyncEnumerable<DicomDataset> SearchAsync(string path, DicomWebQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var resource = path + query.ToQueryString();
        using var response = await SendAsync(HttpMethod.Get, resource, DicomJson, content: null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            // PS3.18 §10.6.3.2: no match is 204 with no body.
            yield break;
        }

        RequireMediaType(response, resource, DicomJson, "application/json");
        await using var body = new LimitedStream(await response.Content.ReadAsStreamAsync(cancellationToken), node.MaxJsonBytes, Describe(resource));
        await using var datasets = Guard(DicomJsonReader.ReadArrayAsync(body, cancellationToken), resource).GetAsyncEnumerator(cancellationToken);
        while (await datasets.MoveNextAsync())
        {
            yield return datasets.Current;
        }
    }

    /// <summary>Turns what goes wrong while an answer is read (cut short, too long, not DICOM JSON) into a DicomWebException.</summary>
    private async IAsyncEnumerable<DicomDataset> Guard(IAsyncEnumerable<DicomDataset> source, string resource)
    {
        var enumerator = source.GetAsyncEnumerator();
        await using (enumerator)
        {
            while (true)
            {
                try
                {
                    if (!await enumerator.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (DicomFormatException error)
                {
                    throw new DicomWebException($"{Describe(resource)} answered with something that is not DICOM JSON: {error.Reason}", inner: error);
                }
                catch (Exception error) when (error is IOException or HttpRequestException && error is not DicomWebException)
                {
                    throw new DicomWebException($"{Describe(resource)}: the answer broke off: {error.Message}", isTransient: true, inner: error);
                }

                yield return enumerator.Current;
            }
        }
    }

    /// <summary>
    /// Sends one request and returns an answer whose status is a success (2xx), its headers read and its body not yet.
    /// Redirects, refusals and server errors become a <see cref="DicomWebException"/> with the node's own words.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string resource, string accept, HttpContent? content, CancellationToken cancellationToken, params HttpStatusCode[] alsoAccepted)
    {
        var uri = new Uri(node.BaseUrl, resource);
        if (!string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase) && !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
        {
            throw new DicomWebException($"{node.Describe()} is not an http or https address.");
        }

        using var request = new HttpRequestMessage(method, uri) { Content = content };
        request.Options.Set(DicomWebTransport.PinnedCaKey, node.PinnedCaPem);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        request.Headers.Authorization = await AuthorizationAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(node.Timeout);
        var sent = content is null;
        if (content is not null)
        {
            // An upload takes as long as it takes: the node's timeout counts from the last bytes it accepted, then from the body's end.
            request.Options.Set(UploadTimeoutHandler.ProgressKey, done =>
            {
                sent |= done;
                UploadTimeoutHandler.Restart(timeout, node.Timeout);
            });
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException error) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DicomWebException(
                sent
                    ? $"{Describe(resource)} did not answer within {node.Timeout.TotalSeconds:0.#} s."
                    : $"{Describe(resource)}: the upload stalled: the node accepted no bytes of the request for {node.Timeout.TotalSeconds:0.#} s.",
                isTransient: true,
                inner: error);
        }
        catch (HttpRequestException error)
        {
            throw new DicomWebException($"{Describe(resource)} could not be reached: {Innermost(error)}", error.StatusCode, isTransient: true, inner: error);
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException error)
        {
            throw new DicomWebException($"{Describe(resource)} failed too often just now; the portal waits before asking again.", isTransient: true, inner: error);
        }
        catch (Polly.ExecutionRejectedException error) when (content is not null)
        {
            // UploadTimeoutHandler's: the upload stalled, or no answer came once it was sent.
            throw new DicomWebException($"{Describe(resource)}: {error.Message}", isTransient: true, inner: error);
        }
        catch (Polly.ExecutionRejectedException error)
        {
            // The resilience handler's own attempt or total timeout (Polly's TimeoutRejectedException).
            throw new DicomWebException($"{Describe(resource)} did not answer in time: {error.Message}", isTransient: true, inner: error);
        }

        if (response.IsSuccessStatusCode || alsoAccepted.Contains(response.StatusCode))
        {
            return response;
        }

        using (response)
        {
            throw await FailureAsync(response, resource, cancellationToken);
        }
    }

    private async Task<DicomWebException> FailureAsync(HttpResponseMessage response, string resource, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        var code = $"{(int)status} {response.ReasonPhrase}".TrimEnd();
        if ((int)status is >= 300 and < 400)
        {
            // Following a redirect would send the credentials, or the patient's data, wherever the answer points.
            var location = response.Headers.Location is { } target ? new Uri(new Uri(node.BaseUrl, resource), target) : null;
            var where = location is null ? "elsewhere"
                : string.Equals(location.Authority, node.BaseUrl.Authority, StringComparison.OrdinalIgnoreCase) ? location.GetLeftPart(UriPartial.Path)
                : $"another host ({location.GetLeftPart(UriPartial.Authority)})";
            return new DicomWebException($"{Describe(resource)} answered {code}, redirecting to {where}; the portal does not follow redirects: configure the node with the final address.", status);
        }

        var explanation = status switch
        {
            HttpStatusCode.Unauthorized => node.Authentication == DicomWebAuthentication.None
                ? "the node requires authentication and none is configured."
                : "the node refused the credentials (wrong user name, password or token).",
            HttpStatusCode.Forbidden => "the credentials are valid but not allowed to do this.",
            HttpStatusCode.NotFound => "no such resource (check the service root, or the study is not there).",
            HttpStatusCode.NotAcceptable => "the node cannot answer in the media type asked for.",
            HttpStatusCode.RequestEntityTooLarge => "the request is too large for the node.",
            HttpStatusCode.UnsupportedMediaType => "the node does not accept this media type.",
            _ when (int)status >= 500 => "the node failed; retried without success.",
            _ => "the node refused the request.",
        };
        var said = await ExcerptAsync(response, cancellationToken);
        return new DicomWebException(
            $"{Describe(resource)} answered {code}: {explanation}{(said.Length > 0 ? $" It said: {said}" : string.Empty)}",
            status,
            isTransient: (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
    }

    /// <summary>The start of an error answer's text, for the message; never more than a line's worth, never binary.</summary>
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var type = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
        if (!type.StartsWith("text/", StringComparison.OrdinalIgnoreCase) && !type.Contains("json", StringComparison.OrdinalIgnoreCase) && !type.Contains("xml", StringComparison.OrdinalIgnoreCase))
        {
            return string.Empty;
        }

        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[300];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            var clean = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
            return read == buffer.Length ? clean + "…" : clean;
        }
        catch (Exception error) when (error is IOException or HttpRequestException)
        {
            return string.Empty;
        }
    }

    private async ValueTask<AuthenticationHeaderValue?> AuthorizationAsync(CancellationToken cancellationToken)
    {
        switch (node.Authentication)
        {
            case DicomWebAuthentication.Basic:
                var pair = $"{node.UserName}:{node.Password}";
                return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
            case DicomWebAuthentication.Bearer:
                if (tokens is null)
                {
                    throw new DicomWebException($"{node.Describe()} uses bearer tokens, and no token provider is configured.");
                }

                return new AuthenticationHeaderValue("Bearer", await tokens.GetTokenAsync(node, cancellationToken));
            default:
                return null;
        }
    }

    private void RequireMediaType(HttpResponseMessage response, string resource, params string[] accepted)
    {
        var type = response.Content.Headers.ContentType?.MediaType;
        if (type is null || !accepted.Any(a => string.Equals(a, type, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DicomWebException($"{Describe(resource)} answered {type ?? "without a Content-Type"}, not {accepted[0]}.");
        }
    }

    private string Describe(string resource) => $"DICOMweb node {node.Describe().TrimEnd('/')}/{resource.Split('?')[0]}";

    /// <summary>A UID in a path is data: checked, so that it cannot add segments or a query.</summary>
    private static string Uid(string uid) =>
        uid.Length is > 0 and <= 64 && DicomUid.IsValid(uid) ? uid : throw new ArgumentException($"'{uid}' is not a UID.", nameof(uid));

    private static string Innermost(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error.Message;
    }
}
