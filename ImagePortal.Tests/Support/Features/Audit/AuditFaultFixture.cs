using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>A portal whose database refuses, while told to, to append audit events naming <see cref="Marker"/>; sweeps every 200 ms.</summary>
public sealed class AuditFaultFixture : UseCaseFixture
{
    public const string Marker = "outbox-marker";

    public AuditWriteFault Fault { get; } = new(Marker);

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?> { ["Audit:OutboxSweepInterval"] = "00:00:00.200" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(Fault));
}
