using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ImagePortal.Infrastructure.Retrieval;

public static class RetrievalRegistration
{
    /// <summary>
    /// The queue is always there (the web role queues and cancels jobs); the workers and the portal's Storage SCP run
    /// only where <c>Portal:Role</c> is <c>all</c> or <c>worker</c>, and the quarantine's retention with them.
    /// </summary>
    public static IHostApplicationBuilder AddRetrieval(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<PortalOptions>(builder.Configuration.GetSection(PortalOptions.SectionName));
        services.Configure<RetrievalOptions>(builder.Configuration.GetSection(RetrievalOptions.SectionName));
        services.AddSingleton<RetrievalSignal>();
        services.AddSingleton<RetrievalQueue>();
        services.TryAddSingleton<IRetrievalObserver, NullRetrievalObserver>();

        var settings = builder.Configuration.GetSection(RetrievalOptions.SectionName).Get<RetrievalOptions>() ?? new RetrievalOptions();
        var spool = DataDirectory.Folder(builder.Configuration, builder.Environment.ContentRootPath, settings.SpoolDirectory, "spool");

        // Administrators release and delete quarantined instances from the web; the retention runs beside the workers.
        services.AddSingleton(new QuarantineStore(QuarantineStore.Beside(spool)));
        services.AddSingleton<QuarantinePurge>();
        services.AddScoped<QuarantineRelease>();

        var portal = builder.Configuration.GetSection(PortalOptions.SectionName).Get<PortalOptions>() ?? new PortalOptions();
        if (portal.RunsWorkers)
        {
            services.AddSingleton(new SpoolBudget(spool, settings.SpoolLimitBytes));
            services.AddSingleton<MoveRouter>();
            services.AddSingleton<RetrievalRunner>();
            services.AddSingleton<ScpRefusalAudit>();
            services.AddSingleton<PortalStorageScp>();
            services.AddHostedService(provider => provider.GetRequiredService<PortalStorageScp>());
            services.AddSingleton<RetrievalWorker>();
            services.AddHostedService(provider => provider.GetRequiredService<RetrievalWorker>());
            services.AddHostedService<QuarantinePurgeService>();
        }

        return builder;
    }
}
