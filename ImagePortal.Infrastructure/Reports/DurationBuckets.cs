namespace ImagePortal.Infrastructure.Reports;

/// <summary>
/// Stage durations kept as a histogram, because a median cannot be summed from daily medians and reading one duration per
/// request would make a report cost as much as the period has requests. Buckets grow geometrically, eight per doubling
/// (each 9% wider than the one before): a percentile read from them is the middle of the bucket the exact value falls in,
/// so within <see cref="Precision"/> of it, however many requests there are. Bucket 0 holds everything under a second.
/// </summary>
public static class DurationBuckets
{
    private const double PerDoubling = 8;

    /// <summary>The largest relative difference between a percentile read here and the exact one: 2^(1/16) - 1.</summary>
    public static readonly double Precision = Math.Pow(2, 1 / (2 * PerDoubling)) - 1;

    public static int Of(TimeSpan duration)
    {
        var seconds = duration.TotalSeconds;
        return seconds < 1 ? 0 : 1 + (int)Math.Floor(Math.Log2(seconds) * PerDoubling);
    }

    /// <summary>The geometric middle of a bucket (zero for the first).</summary>
    public static TimeSpan Middle(int bucket) =>
        bucket <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Pow(2, (bucket - 0.5) / PerDoubling));

    /// <summary>
    /// The <paramref name="fraction"/> percentile (0.5: median) by nearest rank, from bucket counts; null when there are none.
    /// </summary>
    public static TimeSpan? Percentile(IReadOnlyDictionary<int, long> counts, double fraction)
    {
        var total = counts.Values.Sum();
        if (total <= 0)
        {
            return null;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(fraction * total));
        long seen = 0;
        foreach (var (bucket, count) in counts.OrderBy(c => c.Key))
        {
            seen += count;
            if (seen >= rank)
            {
                return Middle(bucket);
            }
        }

        return Middle(counts.Keys.Max());
    }
}
