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
    public void TellingAChange_ReturnsBeforeASlowSubscriberFinishes_AndStillTellsTheNext()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        var slowPage = new TaskCompletionSource();
        var fastPageTold = false;
        using var slow = notifier.Subscribe("request:R1", () => slowPage.Task);
        using var fast = notifier.Subscribe("request:R1", () =>
        {
            fastPageTold = true;
            return Task.CompletedTask;
        });

        var told = notifier.PublishAsync("request:R1");

        Assert.True(told.IsCompletedSuccessfully, "telling waited for the slow page's refresh");
        Assert.True(fastPageTold, "the page after the slow one was not told");
        slowPage.SetResult();
    }

    [Fact]
    public void ASubscriberThatFails_DoesNotFailTheCommandThatTold()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        var otherTold = false;
        using var broken = notifier.Subscribe("jobs", () => throw new ObjectDisposedException("circuit"));
        using var faulted = notifier.Subscribe("jobs", () => Task.FromException(new InvalidOperationException("gone")));
        using var other = notifier.Subscribe("jobs", () =>
        {
            otherTold = true;
            return Task.CompletedTask;
        });

        var told = notifier.PublishAsync(ChangeNotifier.Jobs);

        Assert.True(told.IsCompletedSuccessfully);
        Assert.True(otherTold);
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
            told++;
            return Task.CompletedTask;
        });

        await notifier.PublishAsync("request:R1");

        Assert.Equal(1, told);
    }
}
