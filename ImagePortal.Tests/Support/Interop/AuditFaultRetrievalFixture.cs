using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A retrieval portal whose database refuses, while <see cref="AuditWriteFault.Failing"/>, to append the "instances
/// transferred" event to the audit chain: as seen from the database, the same as the worker dying right after the job's
/// end committed. The outbox sweep runs every 200 ms.
/// </summary>
public sealed class AuditFaultRetrievalFixture : RetrievalFixture
{
    public AuditWriteFault Fault { get; } = new("instances imported");

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["Audit:OutboxSweepInterval"] = "00:00:00.200" };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(Fault));
}
