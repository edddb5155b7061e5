using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ImagePortal.Infrastructure.Retrieval;

public static class RetrievalRegistration
{
    /// <summary>
    /// The queue is always there (the web role queues and cancels jobs); the workers and the portal's Storage SCP run
    /// only where <c>Portal:Role</c> is <c>all</c> or <c>worker</c>.
    /// </summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.SectionName));
        services.Configure<RetrievalOptions>(builder.Configuration.GetSection(RetrievalOptions.SectionName));
        services.AddSingleton<RetrievalSignal>();
        services.AddSingleton<RetrievalQueue>();
        return builder;
    }
}
