namespace ImagePortal.Web.Features.Viewing;

public static class ViewingRegistration
{
    /// <summary>The DICOMweb service's settings, cache, fetcher and access rules.</summary>
    public static IHostApplicationBuilder AddViewing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ViewingSettings>()
            .Bind(builder.Configuration.GetSection(ViewingSettings.SectionName))
            .Validate(s => s.IsValid, "Viewing: CacheSize, CacheExpiry, PacsTimeout, LookUpGrantLifetime and MaxMatches must be positive, AccessAuditWindow, AccessDecisionLifetime and HeadStartLifetime not negative.")
            .ValidateOnStart();
        services.AddSingleton<InstanceCache>();
        services.AddSingleton<InstanceFetcher>();
        services.AddSingleton<ViewingGrants>();
        services.AddSingleton<AccessAuditWindow>();
        services.AddSingleton<ViewingDecisions>();
        services.AddSingleton<PacsQueries>();
        services.AddSingleton<PacsAnswersAhead>();
        services.AddSingleton<ViewerHeadStart>();
        services.AddScoped<ViewingAccess>();
        services.AddScoped<ViewingAudit>();
        services.AddScoped<InstanceLocator>();
        return builder;
    }
}
