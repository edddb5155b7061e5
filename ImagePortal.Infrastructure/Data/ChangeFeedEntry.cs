namespace ImagePortal.Infrastructure.Data;

/// <summary>
/// One batch of change keys a node told its open pages ("request:REQ-2026-000123", "inbox:{facility}"), written so that
/// every other web node of the installation tells its own pages too. Only the keys cross: each page re-reads through
/// its own use case, in its user's scope, so nothing here is PHI. Rows are kept for minutes, then pruned.
/// </summary>
public sealed class ChangeFeedEntry
{
    /// <summary>Key separator: keys are ASCII identifiers and never hold a line feed.</summary>
    public const char Separator = '\n';

    private ChangeFeedEntry()
    {
        Origin = string.Empty;
        Keys = string.Empty;
    }

    public ChangeFeedEntry(string origin, IEnumerable<string> keys, DateTimeOffset at)
    {
        Origin = origin;
        Keys = string.Join(Separator, keys);
        At = at;
    }

    /// <summary>Given by the database, in the order rows were inserted (not always the order they committed).</summary>
    public long Sequence { get; private set; }

    /// <summary>The node that wrote the row; it told its own pages already.</summary>
    public string Origin { get; private set; }

    public string Keys { get; private set; }

    public DateTimeOffset At { get; private set; }

    public IReadOnlyList<string> KeyList => Keys.Split(Separator, StringSplitOptions.RemoveEmptyEntries);
}
