using ImagePortal.Domain.Requests;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// What the workers tell the rest of the portal: progress for open pages, and the end of a retrieval for the
/// requester's bell. The web layer implements it with its live notifier; a lone worker process has nobody to tell
/// live, pages there pick the change up from the database.
/// </summary>
public interface IRetrievalObserver
{
    Task ProgressAsync(ImageRequest request, CancellationToken cancellationToken);

    Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken);

    /// <summary>Puts <paramref name="text"/> under the requester's bell.</summary>
    Task NotifyRequesterAsync(ImageRequest request, string text, CancellationToken cancellationToken);
}

internal sealed class NullRetrievalObserver : IRetrievalObserver
{
    public Task ProgressAsync(ImageRequest request, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RequestChangedAsync(ImageRequest request, RequestEventKind what, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task NotifyRequesterAsync(ImageRequest request, string text, CancellationToken cancellationToken) => Task.CompletedTask;
}
