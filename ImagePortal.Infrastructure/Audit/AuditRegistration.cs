using ImagePortal.Infrastructure.Demo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Audit;

public static class AuditRegistration
{
    /// <summary>
    /// The trail, its key, checkpoints and verification on every node; the syslog export where <c>Audit:Syslog:Enabled</c>
    /// (on every node too: a lease lets one send at a time).
    /// </summary>
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(AuditOptions.SectionName);
        services.Configure<AuditOptions>(section);
        var dataDirectory = DataDirectory.Resolve(builder.Configuration, builder.Environment.ContentRootPath);
        var mayCreateKey = builder.Environment.IsDevelopment() ||
                           builder.Configuration.GetValue($"{DemoOptions.SectionName}:{nameof(DemoOptions.AllowOutsideDevelopment)}", false);
        services.AddSingleton(provider => AuditKeyRing.Load(
            provider.GetRequiredService<IOptions<AuditOptions>>().Value, Path.Combine(dataDirectory, "keys", "audit-chain.key"), mayCreateKey,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<AuditKeyRing>()));

        services.AddSingleton<AuditExportSignal>();
        services.AddSingleton<AuditAppendGate>();
        services.AddSingleton<AuditOutbox>();
        services.AddHostedService<AuditOutboxSweeper>();
        services.AddScoped<IAuditTrail, AuditTrail>();
        services.AddSingleton<AuditCheckpoints>();
        services.AddScoped<AuditVerifier>();
        services.AddHostedService<AuditCheckpointService>();
        services.AddHostedService<AuditVerificationService>();

        var syslog = section.GetSection(nameof(AuditOptions.Syslog)).Get<SyslogExportOptions>() ?? new SyslogExportOptions();
        if (syslog.Enabled)
        {
            if (string.IsNullOrWhiteSpace(syslog.Host) || syslog.Port is < 1 or > 65535)
            {
                throw new InvalidOperationException("Audit:Syslog:Enabled is true but Audit:Syslog:Host or Audit:Syslog:Port is not set: name the collector (port 6514 for syslog over TLS).");
            }

            services.AddSingleton<SyslogAuditExporter>();
            services.AddHostedService(provider => provider.GetRequiredService<SyslogAuditExporter>());
        }

        return builder;
    }
}
