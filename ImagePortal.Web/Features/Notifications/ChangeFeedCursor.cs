namespace ImagePortal.Web.Features.Notifications;

/// <summary>
/// Where a web node is in the change feed. Sequence numbers are handed out at insert but rows become visible at commit,
/// so on a server database row 11 may be read before row 10 commits. The cursor remembers each number it skipped over
/// and asks for it again until it shows or <see cref="ChangeFeedOptions.GapTimeout"/> passes (the insert rolled back,
/// or the database skipped numbers as SQL Server's identity does after a restart). So no row that commits is missed,
/// and none is told twice.
/// </summary>
public sealed class ChangeFeedCursor(long start, TimeSpan gapTimeout)
{
    /// <summary>A skip this large is not waited for number by number (SQL Server jumps 1,000 after a restart).</summary>
    private const long MaxTrackedGap = 10_000;

    private readonly Dictionary<long, DateTimeOffset> _missingSince = [];

    /// <summary>The highest sequence number read so far.</summary>
    public long Highest { get; private set; } = start;

    /// <summary>The numbers below <see cref="Highest"/> not read yet, to ask for with the next read.</summary>
    public IReadOnlyCollection<long> Missing => _missingSince.Keys;

    /// <summary>Takes the rows of one read (any order) and returns those not seen before, in sequence order.</summary>
    public IReadOnlyList<T> Accept<T>(IEnumerable<T> rows, Func<T, long> sequenceOf, DateTimeOffset now)
    {
        var fresh = new List<T>();
        foreach (var row in rows.OrderBy(sequenceOf))
        {
            var sequence = sequenceOf(row);
            if (sequence > Highest)
            {
                if (sequence - Highest - 1 <= MaxTrackedGap)
                {
                    for (var skipped = Highest + 1; skipped < sequence; skipped++)
                    {
                        _missingSince[skipped] = now;
                    }
                }

                Highest = sequence;
                fresh.Add(row);
            }
            else if (_missingSince.Remove(sequence))
            {
                fresh.Add(row);
            }
        }

        foreach (var (sequence, since) in _missingSince.ToList())
        {
            if (now - since >= gapTimeout)
            {
                _missingSince.Remove(sequence);
            }
        }

        return fresh;
    }
}
