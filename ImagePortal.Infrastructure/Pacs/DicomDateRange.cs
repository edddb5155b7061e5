using System.Globalization;
using System.Text.RegularExpressions;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>
/// A date matching key (PS3.4 C.2.2.2.5): one day (single value matching) or a range, either end open. What a person
/// knows of a birth date is often partial, "1958" or "1958-03": <see cref="TryParsePartial"/> turns that into the range
/// of its days, since a DA key cannot itself be partial.
/// </summary>
public sealed partial record DicomDateRange
{
    public DicomDateRange(DateOnly? from, DateOnly? to)
    {
        if (from is null && to is null)
        {
            throw new ArgumentException("A date range needs at least one end.", nameof(from));
        }

        if (from > to)
        {
            throw new ArgumentException("A date range cannot end before it starts.", nameof(to));
        }

        From = from;
        To = to;
    }

    public DateOnly? From { get; }

    public DateOnly? To { get; }

    public static DicomDateRange On(DateOnly day) => new(day, day);

    /// <summary>
    /// "1958" (the whole year), "1958-03" or "195803" (the month), "1958-03-12" or "19580312" (the day); null for
    /// anything else, an impossible month or day included.
    /// </summary>
    public static DicomDateRange? TryParsePartial(string? text)
    {
        var trimmed = text?.Trim() ?? string.Empty;
        if (!PartialDate().IsMatch(trimmed))
        {
            return null;
        }

        var digits = trimmed.Replace("-", string.Empty, StringComparison.Ordinal);
        var year = int.Parse(digits.AsSpan(0, 4), CultureInfo.InvariantCulture);
        if (year < 1)
        {
            return null;
        }

        if (digits.Length == 4)
        {
            return new DicomDateRange(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
        }

        var month = int.Parse(digits.AsSpan(4, 2), CultureInfo.InvariantCulture);
        if (month is < 1 or > 12)
        {
            return null;
        }

        if (digits.Length == 6)
        {
            return new DicomDateRange(new DateOnly(year, month, 1), new DateOnly(year, month, DateTime.DaysInMonth(year, month)));
        }

        var day = int.Parse(digits.AsSpan(6, 2), CultureInfo.InvariantCulture);
        return day >= 1 && day <= DateTime.DaysInMonth(year, month) ? On(new DateOnly(year, month, day)) : null;
    }

    /// <summary>Whether the range is a single day.</summary>
    public bool IsOneDay => From is not null && From == To;

    /// <summary>The key's value: <c>19580312</c> for one day, else <c>19580301-19580331</c>, <c>19580301-</c> or <c>-19580331</c>.</summary>
    public string ToDicom() => IsOneDay ? Format(From) : $"{Format(From)}-{Format(To)}";

    public bool Contains(DateOnly date) => (From is null || date >= From) && (To is null || date <= To);

    [GeneratedRegex(@"^[0-9]{4}(-?[0-9]{2}(-?[0-9]{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex PartialDate();

    private static string Format(DateOnly? date) => date?.ToString("yyyyMMdd", CultureInfo.InvariantCulture) ?? string.Empty;
}
