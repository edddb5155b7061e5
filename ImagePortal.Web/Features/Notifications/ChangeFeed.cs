using System.Threading.Channels;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// This node's side of the change feed: the keys its <see cref="ChangeNotifier"/> told, queued for
/// <see cref="ChangeFeedService"/> to write for the other nodes. Publishing never waits for the database; a key lost in a
/// crash costs a page its live update, never data (pages read the database, the feed only tells them when).
/// </summary>
public sealed class ChangeFeed
{
    private readonly Channel<string[]> _pending = Channel.CreateBounded<string[]>(
        new BoundedChannelOptions(10_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    public ChangeFeed(IOptions<ChangeFeedOptions> options, IOptions<DatabaseOptions> database, IOptions<PortalOptions> portal)
    {
        IsOn = options.Value.IsOn(database.Value.Provider, portal.Value.Role);
        FollowsOthers = IsOn && portal.Value.Role is PortalRole.All or PortalRole.Web;
    }

    /// <summary>This process, as the rows it writes name it.</summary>
    public string Origin { get; } = $"{Environment.MachineName[..Math.Min(20, Environment.MachineName.Length)]}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    public bool IsOn { get; }

    /// <summary>Whether this node has pages to tell (web or all-in-one), so reads what the others wrote.</summary>
    public bool FollowsOthers { get; }

    internal ChannelReader<string[]> Pending => _pending.Reader;

    private readonly TaskCompletionSource _following = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes once this node knows where the feed stands at its start: it tells its pages every row written after that
    /// point (a row written before it belongs to changes its pages read when they loaded).
    /// </summary>
    public Task Following => _following.Task;

    internal void MarkFollowing() => _following.TrySetResult();

    public void Enqueue(string[] keys)
    {
        if (IsOn && keys.Length > 0)
        {
            _pending.Writer.TryWrite(keys);
        }
    }
}
