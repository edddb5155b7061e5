using System.Globalization;

namespace ImagePortal.Dicom.Data;

/// <summary>Parsing of the DA, TM and DT value representations (PS3.5 Table 6.2-1).</summary>
public static class DicomDateTime
{
    /// <summary>DA: YYYYMMDD. The ACR-NEMA form YYYY.MM.DD is accepted when reading, as PS3.5 Table 6.2-1 notes.</summary>
    public static DateOnly ParseDate(string value)
    {
        var text = value.Trim();
        if (text.Length == 10 && text[4] == '.' && text[7] == '.')
        {
            text = string.Concat(text.AsSpan(0, 4), text.AsSpan(5, 2), text.AsSpan(8, 2));
        }

        return DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw new FormatException($"'{value}' is not a DICOM date (DA: YYYYMMDD).");
    }

    /// <summary>TM: HH[MM[SS[.F{1,6}]]]; the ACR-NEMA form HH:MM:SS is accepted when reading.</summary>
    public static TimeOnly ParseTime(string value)
    {
        var text = value.Trim().Replace(":", string.Empty, StringComparison.Ordinal);
        if (!TryParseTimeCore(text, out var ticks))
        {
            throw new FormatException($"'{value}' is not a DICOM time (TM: HHMMSS.FFFFFF).");
        }

        return new TimeOnly(ticks);
    }

    /// <summary>DT: YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&amp;ZZXX], &amp; being + or -. Without an offset, UTC offset 0 is assumed.</summary>
    public static DateTimeOffset ParseDateTime(string value)
    {
        var text = value.Trim();
        var offset = TimeSpan.Zero;
        var sign = text.IndexOfAny(['+', '-'], Math.Min(4, text.Length));
        if (sign >= 0)
        {
            var zone = text[(sign + 1)..];
            if (zone.Length != 4 || !int.TryParse(zone.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var hours) ||
                !int.TryParse(zone.AsSpan(2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var minutes) || hours > 14 || minutes > 59)
            {
                throw new FormatException($"'{value}' has an invalid UTC offset (DT: &ZZXX).");
            }

            offset = new TimeSpan(hours, minutes, 0) * (text[sign] == '-' ? -1 : 1);
            text = text[..sign];
        }

        if (text.Length < 4 || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year < 1)
        {
            throw new FormatException($"'{value}' is not a DICOM date time (DT).");
        }

        var month = Part(text, 4, 1);
        var day = Part(text, 6, 1);
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            throw new FormatException($"'{value}' is not a DICOM date time (DT).");
        }

        long ticks = 0;
        if (text.Length > 8 && !TryParseTimeCore(text[8..], out ticks))
        {
            throw new FormatException($"'{value}' is not a DICOM date time (DT).");
        }

        return new DateTimeOffset(new DateTime(year, month, day).AddTicks(ticks), offset);
    }

    private static int Part(string text, int start, int missing) =>
        text.Length >= start + 2 && int.TryParse(text.AsSpan(start, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
        : text.Length > start ? -1 : missing;

    private static bool TryParseTimeCore(string text, out long ticks)
    {
        ticks = 0;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var main = dot >= 0 ? text[..dot] : text;
        if (main.Length is not (2 or 4 or 6) || !main.All(char.IsAsciiDigit))
        {
            return false;
        }

        var hours = int.Parse(main.AsSpan(0, 2), CultureInfo.InvariantCulture);
        var minutes = main.Length >= 4 ? int.Parse(main.AsSpan(2, 2), CultureInfo.InvariantCulture) : 0;
        // PS3.5 Table 6.2-1 allows 60 seconds for a leap second; TimeOnly cannot, so it is clamped.
        var seconds = main.Length >= 6 ? Math.Min(int.Parse(main.AsSpan(4, 2), CultureInfo.InvariantCulture), 59) : 0;
        if (hours > 23 || minutes > 59)
        {
            return false;
        }

        long fraction = 0;
        if (dot >= 0)
        {
            var digits = text[(dot + 1)..];
            if (digits.Length is < 1 or > 6 || !digits.All(char.IsAsciiDigit))
            {
                return false;
            }

            fraction = long.Parse(digits.PadRight(7, '0'), CultureInfo.InvariantCulture);
        }

        ticks = new TimeSpan(hours, minutes, seconds).Ticks + fraction;
        return true;
    }
}
