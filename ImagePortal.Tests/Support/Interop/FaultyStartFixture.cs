using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal with one attempt per job, whose worker meets an error nobody foresaw when a job starts.</summary>
public sealed class FaultyStartFixture : RetrievalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["Retrieval:MaxAttempts"] = "1" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IRetrievalObserver, ThrowingObserver>();

    /// <summary>Throws where a job tells the pages that it started: an exception of a type the runner has no rule for.</summary>
    private sealed class ThrowingObserver : IRetrievalObserver
    {
        public Task ProgressAsync(ImageRequest request, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken) =>
            what == RequestEventKind.RetrievalStarted ? throw new InvalidOperationException("The page notifier is broken.") : Task.CompletedTask;

        public Task NotifyRequesterAsync(ImageRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
