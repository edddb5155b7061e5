using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// Registers the DICOMweb HTTP client: one named <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/> with
/// Microsoft.Extensions.Http.Resilience's standard handler (retries with backoff, attempt timeout, circuit breaker), a
/// handler that never follows redirects, and <see cref="DicomWebClients"/> to make a <see cref="DicomWebClient"/> per node.
/// </summary>
public static class DicomWebRegistration
{
    public const string HttpClientName = "DicomWeb";

    public static IServiceCollection AddDicomWebClient(this IServiceCollection services, Action<DicomWebHttpOptions>? configure = null)
    {
        var settings = new DicomWebHttpOptions();
        configure?.Invoke(settings);
        services.AddSingleton<DicomWebClients>();
        var builder = services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder
            // A redirect is an answer, not something to follow: DicomWebClient refuses it with the address it points to.
            // A node with a pinned CA gets a handler of its own that trusts that CA only (DicomWebTransport).
            .ConfigurePrimaryHttpMessageHandler(() => new DicomWebTransport())
            .AddStandardResilienceHandler(options =>
            {
                options.Retry.MaxRetryAttempts = settings.MaxRetryAttempts;
                options.Retry.Delay = settings.RetryDelay;
                options.Retry.BackoffType = DelayBackoffType.Exponential;
                options.Retry.UseJitter = true;
                options.AttemptTimeout.Timeout = settings.AttemptTimeout;
                // The answer's body streams after the headers: the total covers only waiting for them, over every attempt.
                var total = settings.AttemptTimeout * (settings.MaxRetryAttempts + 1) + settings.RetryDelay * Math.Pow(2, settings.MaxRetryAttempts + 1);
                options.TotalRequestTimeout.Timeout = total;
                // A request's body (STOW-RS) takes as long as it takes to send: UploadTimeoutHandler times its attempts instead.
                options.AttemptTimeout.TimeoutGenerator = args => ValueTask.FromResult(HasBody(args.Context) ? Timeout.InfiniteTimeSpan : settings.AttemptTimeout);
                options.TotalRequestTimeout.TimeoutGenerator = args => ValueTask.FromResult(HasBody(args.Context) ? Timeout.InfiniteTimeSpan : total);
                options.CircuitBreaker.SamplingDuration = settings.AttemptTimeout * 2;
            })
            // One pipeline, so one circuit breaker, per node (scheme, host and port): one failing node does not stop the others.
            .SelectPipelineByAuthority();
        builder.AddHttpMessageHandler(() => new UploadTimeoutHandler(settings.AttemptTimeout));
        return services;
    }

    private static bool HasBody(ResilienceContext context) => context.GetRequestMessage()?.Content is not null;
}
