using Polly.Timeout;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// The attempt timeout of a request with a body (a STOW-RS upload), inside the resilience handler so that each attempt
/// is timed on its own: while the body is sent, the time since the node last accepted bytes of it (a stalled upload
/// fails, a slow but steady one goes on however long it takes); once it is all sent, the wait for the answer. A request
/// without a body keeps the resilience handler's own attempt timeout (<see cref="DicomWebRegistration"/>). The timeout is
/// a <see cref="TimeoutRejectedException"/>, retried as the resilience handler's own is.
/// </summary>
internal sealed class UploadTimeoutHandler(TimeSpan timeout) : DelegatingHandler
{
    /// <summary>Told of each part of the body the node accepts (false) and of its end (true), set per request by <see cref="DicomWebClient"/>.</summary>
    public static readonly HttpRequestOptionsKey<Action<bool>?> ProgressKey = new("ImagePortal.DicomWeb.UploadProgress");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not { } body)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        request.Options.TryGetValue(ProgressKey, out var progressed);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        var sent = false;
        request.Content = new WatchedContent(body, done =>
        {
            Volatile.Write(ref sent, Volatile.Read(ref sent) || done);
            Restart(attempt, timeout);
            progressed?.Invoke(done);
        });
        try
        {
            return await base.SendAsync(request, attempt.Token);
        }
        catch (OperationCanceledException error) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var seconds = $"{timeout.TotalSeconds:0.#} s";
            throw new TimeoutRejectedException(
                Volatile.Read(ref sent)
                    ? $"no answer within {seconds} of the request being sent."
                    : $"the upload stalled: the node accepted no bytes of the request for {seconds}.",
                timeout,
                error);
        }
        finally
        {
            request.Content = body;
        }
    }

    /// <summary>Starts the timeout again; a body still being written after the attempt ended has nothing left to time.</summary>
    internal static void Restart(CancellationTokenSource source, TimeSpan timeout)
    {
        try
        {
            source.CancelAfter(timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
