using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose notifier of open pages fails once a request has ended.</summary>
public sealed class FaultyEndFixture : RetrievalFixture
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IRetrievalObserver, BrokenPagesObserver>();
}
