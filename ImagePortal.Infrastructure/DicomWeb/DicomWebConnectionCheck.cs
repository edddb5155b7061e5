using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// "Test connection" of a DICOMweb node: one QIDO-RS studies search with <c>limit=1</c> (PS3.18 §10.6), as the portal
/// will search it, with the round trip; or a <see cref="DicomWebException"/> whose message says in plain words why it
/// failed: the host name does not resolve, nothing listens, no answer in time, the certificate is not trusted or not
/// the host's, the credentials were refused, or what answered is not a DICOMweb service.
/// </summary>
public sealed class DicomWebConnectionCheck(DicomWebNodes nodes)
{
    public async Task<TimeSpan> TestAsync(DicomNode node, CancellationToken cancellationToken)
    {
        var endpoint = node.Web ?? throw new InvalidOperationException($"Node {node.Name} is not a DICOMweb node.");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var client = nodes.ClientFor(node);
            await foreach (var _ in client.SearchStudiesAsync(new DicomWebQuery { Limit = 1 }, cancellationToken))
            {
                // One match is enough: the answer was DICOM JSON from a QIDO-RS service.
            }

            return Stopwatch.GetElapsedTime(started);
        }
        catch (DicomWebException error)
        {
            throw new DicomWebException(Explain(endpoint, error), error.StatusCode, error.IsTransient, error);
        }
    }

    /// <summary>The reason for the administrator, from the innermost cause that names one.</summary>
    public static string Explain(DicomWebEndpoint endpoint, DicomWebException error)
    {
        var where = endpoint.Describe();
        var host = endpoint.BaseUrl.Host;
        var port = endpoint.BaseUrl.Port;
        foreach (var cause in Causes(error))
        {
            switch (cause)
            {
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return $"{where}: the host name {host} was not found (DNS); check the base URL.";
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return $"{where}: nothing accepts connections at {host}:{port} (connection refused); is the service running and listening there?";
                case SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable }:
                    return $"{where}: {host} cannot be reached from the portal (no route to the host).";
                case AuthenticationException tls:
                    return $"{where}: the TLS handshake failed: {Tls(tls, endpoint)}";
                case OperationCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException:
                    return $"{where}: no answer within {endpoint.TimeoutSeconds} s (timeout); the host accepted the connection but did not answer.";
            }
        }

        return error.StatusCode switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => $"Credentials refused: {error.Message}",
            HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotAcceptable =>
                $"{error.Message} Is {where} the DICOMweb service root (QIDO-RS answers at {where}studies)?",
            null when error.InnerException is null && error.Message.Contains(" answered ", StringComparison.Ordinal) =>
                $"Not a DICOMweb answer: {error.Message} Is {where} the DICOMweb service root?",
            _ => error.Message,
        };
    }

    private static string Tls(AuthenticationException error, DicomWebEndpoint endpoint)
    {
        var message = error.Message;
        if (message.Contains("NameMismatch", StringComparison.Ordinal))
        {
            return $"the node's certificate is not for {endpoint.BaseUrl.Host} (name mismatch).";
        }

        if (message.Contains("chain", StringComparison.OrdinalIgnoreCase) || message.Contains("Untrusted", StringComparison.Ordinal) ||
            message.Contains("PartialChain", StringComparison.Ordinal))
        {
            return endpoint.PinnedCaPem is null
                ? "the node's certificate is not trusted (it does not chain to a CA the portal's system trust store holds; pin the node's CA if it is a private one)."
                : "the node's certificate is not trusted (it does not chain to the pinned CA).";
        }

        return message;
    }

    private static IEnumerable<Exception> Causes(Exception error)
    {
        for (var cause = error.InnerException; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }
}
