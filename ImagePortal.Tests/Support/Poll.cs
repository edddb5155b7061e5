namespace ImagePortal.Tests.Support;

/// <summary>Waiting for something the portal does in the background: look every 100 ms, fail after a deadline.</summary>
public static class Poll
{
    /// <summary>
    /// Returns once <paramref name="done"/> holds; fails the test after <paramref name="timeout"/> with
    /// <paramref name="failure"/>'s words (read when it fails, so they can say what the state is then).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> done, TimeSpan timeout, Func<Task<string>>? failure = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await done())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail(failure is null ? $"Not done within {timeout}." : await failure());
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
