using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>A retrieval portal whose SQL commands are all recorded (<see cref="SqlCommandCounter"/>).</summary>
public sealed class CountedRetrievalFixture : RetrievalFixture
{
    public SqlCommandCounter Commands { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureDbContext<SqliteImagePortalDbContext>(options => options.AddInterceptors(Commands));
}
