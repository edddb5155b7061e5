using System.Net;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A DICOMweb node could not be asked, or its answer could not be used. The message is for the user and names the
/// node and the reason ("answered 401 Unauthorized: ..."); <see cref="StatusCode"/> is the HTTP status where there
/// was one, and <see cref="IsTransient"/> says whether trying again later may help (5xx, timeouts, a broken connection).
/// </summary>
public sealed class DicomWebException(string message, HttpStatusCode? statusCode = null, bool isTransient = false, Exception? inner = null)
    : Exception(message, inner)
{
    public HttpStatusCode? StatusCode { get; } = statusCode;

    public bool IsTransient { get; } = isTransient;

    /// <summary>The node refused the portal's credentials (401, 403): asking again with the same ones cannot help.</summary>
    public bool RefusedCredentials => StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden;

    /// <summary>The request's failure for refused credentials, naming the node (and its role) whose credentials to correct.</summary>
    public string CredentialsToCorrect(string node) =>
        $"{Message} An administrator must correct the credentials of {node}; then the request can be retried.";
}
