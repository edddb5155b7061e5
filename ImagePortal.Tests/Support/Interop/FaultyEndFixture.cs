using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose notifier of open pages fails once a request has ended.</summary>
public sealed class FaultyEndFixture : RetrievalFixture
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IRetrievalObserver, BrokenPagesObserver>();
}
