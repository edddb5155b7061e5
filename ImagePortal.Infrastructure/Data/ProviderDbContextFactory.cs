using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Infrastructure.Data;

/// <summary>Lets code ask for <see cref="ImagePortalDbContext"/> whichever provider's subclass is configured.</summary>
internal sealed class ProviderDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<ImagePortalDbContext>
    where TContext : ImagePortalDbContext
{
    public ImagePortalDbContext CreateDbContext() => inner.CreateDbContext();

    public async Task<ImagePortalDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        await inner.CreateDbContextAsync(cancellationToken);
}
