using ImagePortal.Infrastructure.Reports;
using ImagePortal.Web.Features.Reports;

namespace ImagePortal.Tests.Features.Reports;

/// <summary>A report reads whole months from the monthly figures and only the days around them from the daily ones.</summary>
public sealed class ReportSegmentsTests
{
    [Theory]
    [InlineData("2026-01-15", "2026-03-10", "Day 2026-01-15 2026-01-31|Month 2026-02-01 2026-02-01|Day 2026-03-01 2026-03-10")]
    [InlineData("2026-01-01", "2026-12-31", "Month 2026-01-01 2026-12-01")]
    [InlineData("2026-01-05", "2026-01-20", "Day 2026-01-05 2026-01-20")]
    [InlineData("2026-01-01", "2026-01-30", "Day 2026-01-01 2026-01-30")]
    [InlineData("2025-12-04", "2026-12-03", "Day 2025-12-04 2025-12-31|Month 2026-01-01 2026-11-01|Day 2026-12-01 2026-12-03")]
    public void APeriod_IsCutIntoWholeMonths_AndTheDaysAroundThem(string from, string to, string expected)
    {
        var segments = RequestReports.Segments(DateOnly.Parse(from), DateOnly.Parse(to));

        Assert.Equal(expected, string.Join('|', segments.Select(s => $"{s.Grain} {s.First:yyyy-MM-dd} {s.Last:yyyy-MM-dd}")));
        var days = segments.Sum(s => s.Grain == ReportGrain.Day ? s.Last.DayNumber - s.First.DayNumber + 1
            : Enumerable.Range(0, (s.Last.Year - s.First.Year) * 12 + s.Last.Month - s.First.Month + 1).Sum(m => DateTime.DaysInMonth(s.First.AddMonths(m).Year, s.First.AddMonths(m).Month)));
        Assert.Equal(DateOnly.Parse(to).DayNumber - DateOnly.Parse(from).DayNumber + 1, days);
    }
}
