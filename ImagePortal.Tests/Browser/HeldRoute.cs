using Microsoft.Playwright;

namespace ImagePortal.Tests.Browser;

/// <summary>Holds a page's requests to a URL pattern, each counted, until <see cref="Release"/> (each at most its limit).</summary>
internal sealed class HeldRoute
{
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _count;

    /// <summary>How many requests have been held (and, once released, let through).</summary>
    public int Count => Volatile.Read(ref _count);

    public bool Released => _release.Task.IsCompleted;

    public void Release() => _release.TrySetResult();

    /// <summary>Holds <paramref name="page"/>'s requests matching <paramref name="pattern"/> until released, or for <paramref name="limit"/> at most.</summary>
    public static async Task<HeldRoute> HoldAsync(IPage page, string pattern, TimeSpan limit)
    {
        var held = new HeldRoute();
        await page.RouteAsync(pattern, async route =>
        {
            Interlocked.Increment(ref held._count);
            await held._release.Task.WaitAsync(limit);
            await route.ContinueAsync();
        });
        return held;
    }
}
