using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// A portal whose audit export reads 1,000 events per batch, and which counts the database contexts opened by the
/// test's own calls (an <see cref="AsyncLocal{T}"/> marks them, so the portal's background services do not count).
/// </summary>
public sealed class SmallBatchExportFixture : UseCaseFixture
{
    public const int BatchSize = 1000;

    private static readonly AsyncLocal<bool> Counting = new();
    private int _contexts;

    public int ContextsOpened => Volatile.Read(ref _contexts);

    /// <summary>Counts the contexts opened from here on, in this test's flow only.</summary>
    public static void StartCounting() => Counting.Value = true;

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Audit:ExportBatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureServices(IServiceCollection services)
    {
        var original = services.Single(d => d.ServiceType == typeof(IDbContextFactory<ImagePortalDbContext>));
        services.Remove(original);
        services.AddSingleton(original.ImplementationType!);
        services.AddSingleton<IDbContextFactory<ImagePortalDbContext>>(provider =>
            new CountingFactory((IDbContextFactory<ImagePortalDbContext>)provider.GetRequiredService(original.ImplementationType!), this));
    }

    private sealed class CountingFactory(IDbContextFactory<ImagePortalDbContext> inner, SmallBatchExportFixture owner) : IDbContextFactory<ImagePortalDbContext>
    {
        public ImagePortalDbContext CreateDbContext()
        {
            if (Counting.Value)
            {
                Interlocked.Increment(ref owner._contexts);
            }

            return inner.CreateDbContext();
        }
    }
}
