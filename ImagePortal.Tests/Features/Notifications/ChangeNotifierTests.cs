using ImagePortal.Web.Features.Notifications;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Features.Notifications;

/// <summary>
/// The notifier tells open pages that something changed. The command that told must not wait for every page's
/// re-query (a page whose circuit is slow would hold the approver's click), and a key nobody listens to any more must
/// not stay in memory (one key per request ever opened).
/// </summary>
public sealed class ChangeNotifierTests
{
    [Fact]
    public async Task TellingAChange_DoesNotRunThePagesRefresh_OnTheCommandsThread()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        using var release = new ManualResetEventSlim();
        var refreshEnded = false;
        // A refresh that never yields, as a page's re-query over SQLite runs (its "async" calls answer synchronously).
        using var page = notifier.Subscribe("request:R1", () =>
        {
            release.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            Volatile.Write(ref refreshEnded, true);
            return Task.CompletedTask;
        });

        var told = notifier.PublishAsync("request:R1");

        Assert.True(told.IsCompletedSuccessfully);
        Assert.False(Volatile.Read(ref refreshEnded), "telling ran the page's refresh to its end before it returned");
        release.Set();
        await notifier.Delivered.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task TellingAChange_DoesNotWaitForASlowSubscriber_AndStillTellsTheNext()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        var slowPage = new TaskCompletionSource();
        var fastPageTold = false;
        using var slow = notifier.Subscribe("request:R1", () => slowPage.Task);
        using var fast = notifier.Subscribe("request:R1", () =>
        {
            Volatile.Write(ref fastPageTold, true);
            return Task.CompletedTask;
        });

        var told = notifier.PublishAsync("request:R1");
        await notifier.Delivered.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(told.IsCompletedSuccessfully, "telling waited for the slow page's refresh");
        Assert.True(Volatile.Read(ref fastPageTold), "the page after the slow one was not told");
        slowPage.SetResult();
    }

    [Fact]
    public async Task ASubscriberThatFails_DoesNotFailTheCommandThatTold_NorKeepTheOthersFromHearing()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        var otherTold = false;
        using var broken = notifier.Subscribe("jobs", () => throw new ObjectDisposedException("circuit"));
        using var faulted = notifier.Subscribe("jobs", () => Task.FromException(new InvalidOperationException("gone")));
        using var other = notifier.Subscribe("jobs", () =>
        {
            Volatile.Write(ref otherTold, true);
            return Task.CompletedTask;
        });

        var told = notifier.PublishAsync(ChangeNotifier.Jobs);
        await notifier.Delivered.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.True(told.IsCompletedSuccessfully);
        Assert.True(Volatile.Read(ref otherTold));
    }

    [Fact]
    public void AKeyWhoseLastSubscriberLeft_IsForgotten()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        var first = notifier.Subscribe("request:R1", () => Task.CompletedTask);
        var second = notifier.Subscribe("request:R1", () => Task.CompletedTask);
        using var elsewhere = notifier.Subscribe("request:R2", () => Task.CompletedTask);
        Assert.Equal(2, notifier.WatchedKeys);

        first.Dispose();
        Assert.Equal(2, notifier.WatchedKeys);
        second.Dispose();
        second.Dispose();

        Assert.Equal(1, notifier.WatchedKeys);
    }

    [Fact]
    public async Task AKeySubscribedAgainAfterItWasForgotten_IsToldAgain()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        notifier.Subscribe("request:R1", () => Task.CompletedTask).Dispose();
        var told = 0;
        using var again = notifier.Subscribe("request:R1", () =>
        {
            Interlocked.Increment(ref told);
            return Task.CompletedTask;
        });

        await notifier.PublishAsync("request:R1");
        await notifier.Delivered.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(1, Volatile.Read(ref told));
    }
}
