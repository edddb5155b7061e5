using Bunit;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Components;

/// <summary>
/// A live page re-queries when told of a change; it must never end showing an older answer than the database's, whether
/// the change was told while a re-query read, or between the page's first read and its subscription.
/// </summary>
public sealed class LivePageTests : BunitContext
{
    [Fact]
    public async Task AChangeToldWhileAnEarlierRefreshIsStillReading_EndsShowingTheNewest()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        Services.AddSingleton(notifier);
        var database = new FakeStatus { Value = "Retrieving" };
        Services.AddSingleton(database);
        var page = Render<StatusProbe>();

        // The first refresh reads "Retrieving" and is slow to come back; the worker commits "Completed" and tells
        // again; the second refresh must not finish before the first and then be overwritten by it.
        var slowRead = new TaskCompletionSource();
        database.NextReadWaitsFor = slowRead.Task;
        await TellAsync(notifier, "request:R1");
        database.Value = "Completed";
        await TellAsync(notifier, "request:R1");
        slowRead.SetResult();

        page.WaitForAssertion(() => Assert.Equal("Completed", page.Find("span").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void AChangeToldBetweenThePagesFirstReadAndItsSubscription_StillShows()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        Services.AddSingleton(notifier);
        var database = new FakeStatus { Value = "Retrieving" };
        Services.AddSingleton(database);

        // A fast direct retrieve: the page's first read has "Retrieving" in hand when the worker commits "Completed"
        // and tells the open pages, before this page has rendered and subscribed.
        database.AfterNextRead = () =>
        {
            database.Value = "Completed";
            return notifier.PublishAsync("request:R1");
        };
        var page = Render<LoadingProbe>();

        page.WaitForAssertion(() => Assert.Equal("Completed", page.Find("span").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AChangeToldWhileThePagesFirstReadIsStillOnItsWay_EndsShowingTheNewest()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        Services.AddSingleton(notifier);
        var database = new FakeStatus { Value = "Approved" };
        Services.AddSingleton(database);

        // The page renders (and subscribes) while its first read, which has "Approved", is slow to come back; the worker
        // commits "Completed" and tells; a refresh that reads it must not be overwritten when the first read comes back.
        var slowRead = new TaskCompletionSource();
        database.NextReadWaitsFor = slowRead.Task;
        var page = Render<LoadingProbe>();
        database.Value = "Completed";
        await TellAsync(notifier, "request:R1");
        slowRead.SetResult();

        page.WaitForAssertion(() => Assert.Equal("Completed", page.Find("span").TextContent), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task APageNothingChangedFor_ReadsOnce()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        Services.AddSingleton(notifier);
        var database = new FakeStatus { Value = "Submitted" };
        Services.AddSingleton(database);

        // A change of another request, told before the page opened, is not one to catch up on.
        await notifier.PublishAsync("request:R2");
        var page = Render<LoadingProbe>();

        Assert.Equal("Submitted", page.Find("span").TextContent);
        Assert.Equal(1, database.Reads);
    }

    [Fact]
    public async Task ChangesToldWhileARefreshReads_AreFollowedByOneMoreRefresh_ThatShowsTheLast()
    {
        var notifier = new ChangeNotifier(NullLogger<ChangeNotifier>.Instance);
        Services.AddSingleton(notifier);
        var database = new FakeStatus { Value = "Approved" };
        Services.AddSingleton(database);
        var page = Render<LoadingProbe>();
        var readsBefore = database.Reads;

        var slowRead = new TaskCompletionSource();
        database.NextReadWaitsFor = slowRead.Task;
        database.Value = "Retrieving";
        await TellAsync(notifier, "request:R1");
        database.Value = "Retrieving 50 of 104";
        await TellAsync(notifier, "request:R1");
        database.Value = "Completed";
        await TellAsync(notifier, "request:R1");
        slowRead.SetResult();

        page.WaitForAssertion(() => Assert.Equal("Completed", page.Find("span").TextContent), TimeSpan.FromSeconds(10));
        Assert.Equal(readsBefore + 2, database.Reads);
    }

    /// <summary>Tells a change and waits until the page has been called (the notifier calls subscribers off the teller's thread).</summary>
    private static async Task TellAsync(ChangeNotifier notifier, string key)
    {
        await notifier.PublishAsync(key);
        await notifier.Delivered.WaitAsync(TimeSpan.FromSeconds(10), Xunit.TestContext.Current.CancellationToken);
    }

    public sealed class FakeStatus
    {
        private int _reads;

        public volatile string Value = string.Empty;

        public int Reads => Volatile.Read(ref _reads);

        public Task? NextReadWaitsFor { get; set; }

        /// <summary>Runs once, after the next read took its value and before it answers.</summary>
        public Func<Task>? AfterNextRead { get; set; }

        /// <summary>Reads the value now, answers when the (optional) slow read is released.</summary>
        public async Task<string> ReadAsync()
        {
            Interlocked.Increment(ref _reads);
            var value = Value;
            var wait = NextReadWaitsFor;
            NextReadWaitsFor = null;
            if (wait is not null)
            {
                await wait;
            }

            var after = AfterNextRead;
            AfterNextRead = null;
            if (after is not null)
            {
                await after();
            }

            return value;
        }
    }

    /// <summary>Reads what it shows before its first render, as the request page does, and watches after it.</summary>
    private sealed class LoadingProbe : LivePage
    {
        private string _shown = string.Empty;

        [Inject]
        private FakeStatus Status { get; set; } = default!;

        protected override async Task OnInitializedAsync() => _shown = await Status.ReadAsync();

        protected override void OnAfterRender(bool firstRender)
        {
            if (firstRender)
            {
                Watch("request:R1", async () => _shown = await Status.ReadAsync());
            }
        }

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "span");
            builder.AddContent(1, _shown);
            builder.CloseElement();
        }
    }

    private sealed class StatusProbe : LivePage
    {
        private string _shown = string.Empty;

        [Inject]
        private FakeStatus Status { get; set; } = default!;

        protected override void OnAfterRender(bool firstRender)
        {
            if (firstRender)
            {
                Watch("request:R1", async () => _shown = await Status.ReadAsync());
            }
        }

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "span");
            builder.AddContent(1, _shown);
            builder.CloseElement();
        }
    }
}
