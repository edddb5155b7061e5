using System.Globalization;

namespace ImagePortal.Domain.Requests;

/// <summary>
/// How requests are numbered: <c>REQ-</c>, the year (UTC) and a six-digit count that starts again each year, e.g.
/// <c>REQ-2026-000123</c>. Numbers of one year sort in the order they were given, so the next is one more than the
/// highest of the year; two clerks who take the same number at once are told apart by the unique index.
/// </summary>
public static class RequestNumber
{
    /// <summary>What every number given in the year of <paramref name="now"/> starts with.</summary>
    public static string PrefixFor(DateTimeOffset now) => $"REQ-{now.UtcDateTime.Year.ToString(CultureInfo.InvariantCulture)}-";

    /// <summary>The number after <paramref name="lastOfTheYear"/>, the highest given in the year of <paramref name="now"/> (null: none yet).</summary>
    public static string Next(string? lastOfTheYear, DateTimeOffset now)
    {
        var prefix = PrefixFor(now);
        var next = lastOfTheYear is null ? 1 : int.Parse(lastOfTheYear.AsSpan(prefix.Length), CultureInfo.InvariantCulture) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"{prefix}{next:000000}");
    }
}
