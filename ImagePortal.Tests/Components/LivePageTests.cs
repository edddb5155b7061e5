using Bunit;
using ImagePortal.Web.Components.Shared;
using ImagePortal.Web.Features.Notifications;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Components;

/// <summary>A live page re-queries when told of a change; overlapping re-queries must not leave an older answer shown.</summary>
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
        var first = notifier.PublishAsync("request:R1");
        database.Value = "Completed";
        var second = notifier.PublishAsync("request:R1");
        slowRead.SetResult();
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10), Xunit.TestContext.Current.CancellationToken);

        page.WaitForAssertion(() => Assert.Equal("Completed", page.Find("span").TextContent), TimeSpan.FromSeconds(10));
    }

    public sealed class FakeStatus
    {
        public volatile string Value = string.Empty;

        public Task? NextReadWaitsFor { get; set; }

        /// <summary>Reads the value now, answers when the (optional) slow read is released.</summary>
        public async Task<string> ReadAsync()
        {
            var value = Value;
            var wait = NextReadWaitsFor;
            NextReadWaitsFor = null;
            if (wait is not null)
            {
                await wait;
            }

            return value;
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
