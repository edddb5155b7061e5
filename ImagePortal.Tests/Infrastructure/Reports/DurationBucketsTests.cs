using ImagePortal.Infrastructure.Reports;

namespace ImagePortal.Tests.Infrastructure.Reports;

/// <summary>The report's turnaround is read from duration histograms; the page promises percentiles within 5% of the exact ones.</summary>
public sealed class DurationBucketsTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void Percentiles_FromTheBuckets_AreWithinTheStatedPrecision_OfTheExactOnes(double fraction)
    {
        var random = new Random(16);
        for (var sample = 0; sample < 200; sample++)
        {
            // Durations from seconds to weeks, as requests wait for a claim, a decision or an import.
            var durations = Enumerable.Range(0, random.Next(1, 400)).Select(_ => TimeSpan.FromSeconds(Math.Pow(10, 6 * random.NextDouble()))).ToList();
            var counts = durations.GroupBy(DurationBuckets.Of).ToDictionary(g => g.Key, g => (long)g.Count());
            var exact = durations.Order().ElementAt((int)Math.Ceiling(fraction * durations.Count) - 1);

            var read = DurationBuckets.Percentile(counts, fraction)!.Value;

            Assert.InRange(read.TotalSeconds / exact.TotalSeconds, 1 / (1 + DurationBuckets.Precision), 1 + DurationBuckets.Precision);
        }

        Assert.True(DurationBuckets.Precision < 0.05);
    }

    [Fact]
    public void UnderASecond_IsTheFirstBucket_AndNoDurations_HaveNoPercentile()
    {
        Assert.Equal(0, DurationBuckets.Of(TimeSpan.FromMilliseconds(999)));
        Assert.Equal(0, DurationBuckets.Of(TimeSpan.FromSeconds(-3)));
        Assert.Equal(TimeSpan.Zero, DurationBuckets.Percentile(new Dictionary<int, long> { [0] = 2 }, 0.5));
        Assert.Null(DurationBuckets.Percentile(new Dictionary<int, long>(), 0.5));
    }
}
