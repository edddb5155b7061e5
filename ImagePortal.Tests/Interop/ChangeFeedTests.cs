using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// With several nodes: what one node tells its pages reaches the pages of every other node through the shared database.
/// The other node is played by rows written straight into the feed, as another process's
/// <see cref="ChangeFeedService"/> writes them.
/// </summary>
public abstract class ChangeFeedTestsBase(SharedDatabaseFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChangeNotifier Notifier => fixture.Services.GetRequiredService<ChangeNotifier>();

    private ChangeFeed Feed => fixture.Services.GetRequiredService<ChangeFeed>();

    [Fact]
    public async Task AChangeAnotherNodeTold_ReachesThisNodesSubscribers_OnlyThoseOfItsKeys()
    {
        // A row written before this node read where the feed stood is, by design, not told: wait until it follows.
        await Feed.Following.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var told = new List<string>();
        using var watched = Notifier.Subscribe("request:REQ-FEED-1", () => { lock (told) told.Add("REQ-FEED-1"); return Task.CompletedTask; });
        using var other = Notifier.Subscribe("request:REQ-FEED-2", () => { lock (told) told.Add("REQ-FEED-2"); return Task.CompletedTask; });

        await WriteAsync("other-node/1/a", "request:REQ-FEED-1", "jobs");
        await Poll.UntilAsync(() => Task.FromResult(Told(told).Contains("REQ-FEED-1")), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("REQ-FEED-2", Told(told));
    }

    [Fact]
    public async Task WhatThisNodeWrote_IsNotToldTwice_AndWhatOthersWroteComesInOrder()
    {
        // A row written before this node read where the feed stood is, by design, not told: wait until it follows.
        await Feed.Following.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        var told = new List<string>();
        using var subscription = Notifier.Subscribe("request:REQ-FEED-3", () => { lock (told) told.Add("3"); return Task.CompletedTask; });
        using var marker = Notifier.Subscribe("request:REQ-FEED-4", () => { lock (told) told.Add("4"); return Task.CompletedTask; });

        // This node's own row (its pages were told when it published), then another node's behind it.
        await WriteAsync(Feed.Origin, "request:REQ-FEED-3");
        await WriteAsync("other-node/2/b", "request:REQ-FEED-4");
        await Poll.UntilAsync(() => Task.FromResult(Told(told).Contains("4")), TimeSpan.FromSeconds(10), RowsAsync);
        Assert.Equal(["4"], Told(told));
    }

    [Fact]
    public async Task WhatThisNodePublishes_IsWrittenForTheOthers_AsOneRowPerBurst()
    {
        var before = await fixture.DbAsync(db => Task.FromResult(db.ChangeFeed.Max(e => (long?)e.Sequence) ?? 0));
        await Notifier.PublishAsync("request:REQ-FEED-5", "jobs");
        await Notifier.PublishAsync("request:REQ-FEED-5", "inbox:x");
        List<ChangeFeedEntry> rows = [];
        await Poll.UntilAsync(async () =>
        {
            rows = await fixture.DbAsync(db => Task.FromResult(db.ChangeFeed.Where(e => e.Sequence > before && e.Origin == Feed.Origin).ToList()));
            return rows.SelectMany(r => r.KeyList).ToHashSet().SetEquals(["request:REQ-FEED-5", "jobs", "inbox:x"]);
        }, TimeSpan.FromSeconds(10));
        Assert.All(rows, r => Assert.Equal(r.KeyList.Count, r.KeyList.Distinct().Count()));
    }

    /// <summary>The feed as the database holds it, for a failure's message.</summary>
    private Task<string> RowsAsync() => fixture.DbAsync(db => Task.FromResult(
        $"this node {Feed.Origin}; the feed: " + string.Join("; ", db.ChangeFeed.OrderBy(e => e.Sequence).Select(e => $"#{e.Sequence} {e.Origin} [{e.Keys.Replace("\n", " ")}]").ToList())));

    private static List<string> Told(List<string> told)
    {
        lock (told)
        {
            return [.. told];
        }
    }

    private Task WriteAsync(string origin, params string[] keys) => fixture.DbAsync(async db =>
    {
        db.ChangeFeed.Add(new ChangeFeedEntry(origin, keys, StoredInstant.Of(DateTimeOffset.UtcNow)));
        return await db.SaveChangesAsync(Ct);
    });
}

/// <summary>Nodes on one SQLite file.</summary>
public sealed class ChangeFeedTests(SharedDatabaseFixture fixture) : ChangeFeedTestsBase(fixture), IClassFixture<SharedDatabaseFixture>;

/// <summary>Nodes on one PostgreSQL database.</summary>
public sealed class ChangeFeedOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : ChangeFeedTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
