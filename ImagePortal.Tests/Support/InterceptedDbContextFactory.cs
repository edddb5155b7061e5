using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Support;

/// <summary>
/// The portal's own contexts (same provider, database, logging) with an interceptor added: for a test that plays another
/// node and needs to stop it at one statement.
/// </summary>
public sealed class InterceptedDbContextFactory : IDbContextFactory<ImagePortalDbContext>
{
    private readonly Func<ImagePortalDbContext> _create;

    public InterceptedDbContextFactory(IServiceProvider services, IInterceptor interceptor)
    {
        Type contextType;
        using (var probe = services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContext())
        {
            contextType = probe.GetType();
        }

        var options = (DbContextOptions)services.GetRequiredService(typeof(DbContextOptions<>).MakeGenericType(contextType));
        var intercepted = new DbContextOptionsBuilder(options).AddInterceptors(interceptor).Options;
        _create = () => (ImagePortalDbContext)Activator.CreateInstance(contextType, intercepted)!;
    }

    public ImagePortalDbContext CreateDbContext() => _create();
}
