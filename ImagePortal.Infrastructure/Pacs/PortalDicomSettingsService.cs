using ImagePortal.Domain.Settings;
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>The portal's DICOM identity in effect: what an administrator saved, else the <c>Dicom</c> configuration section.</summary>
public sealed record PortalDicomIdentity(string AeTitle, int Port, IReadOnlyList<string> AllowedCallingAeTitles, bool IsFromDatabase);

public interface IPortalDicomSettings
{
    Task<PortalDicomIdentity> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets the cached values; the next <see cref="GetAsync"/> reads the database again.</summary>
    void Invalidate();
}

public static class PortalDicomSettingsQueries
{
    /// <summary>The one row of saved settings, or null while no administrator has saved any.</summary>
    public static Task<PortalDicomSettings?> SavedAsync(this IQueryable<PortalDicomSettings> settings, CancellationToken cancellationToken) =>
        settings.SingleOrDefaultAsync(s => s.Id == PortalDicomSettings.SingletonId, cancellationToken);
}

/// <summary>
/// Reads the settings row once and caches it until an administrator saves new values (the save invalidates the cache
/// on this node; other nodes pick the change up within <see cref="CacheLifetime"/>).
/// </summary>
public sealed class PortalDicomSettingsService(
    IDbContextFactory<ImagePortalDbContext> dbFactory, IOptionsMonitor<PortalDicomOptions> options, TimeProvider clock) : IPortalDicomSettings
{
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromMinutes(1);

    private volatile CacheEntry? _cached;

    public async Task<PortalDicomIdentity> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_cached is { } cached && clock.GetUtcNow() - cached.ReadAt < CacheLifetime)
        {
            return cached.Identity;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.PortalDicomSettings.AsNoTracking().SavedAsync(cancellationToken);
        var defaults = options.CurrentValue;
        var identity = stored is null
            ? new PortalDicomIdentity(defaults.AeTitle, defaults.Port, defaults.AllowedCallingAeTitles, IsFromDatabase: false)
            : new PortalDicomIdentity(stored.AeTitleValue, stored.Port, stored.AllowedCallingAeTitleList, IsFromDatabase: true);
        _cached = new CacheEntry(identity, clock.GetUtcNow());
        return identity;
    }

    public void Invalidate() => _cached = null;

    private sealed record CacheEntry(PortalDicomIdentity Identity, DateTimeOffset ReadAt);
}
