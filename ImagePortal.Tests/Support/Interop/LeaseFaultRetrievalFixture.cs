using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A retrieval portal whose database refuses, while <see cref="LeaseRenewalFault.Failing"/>, to renew the workers'
/// leases, and whose attempts end when nothing moves for two seconds (<c>Retrieval:StallTimeout</c>).
/// </summary>
public sealed class LeaseFaultRetrievalFixture : RetrievalFixture
{
    public LeaseRenewalFault Fault { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["Retrieval:StallTimeout"] = "00:00:02" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(Fault));
}
