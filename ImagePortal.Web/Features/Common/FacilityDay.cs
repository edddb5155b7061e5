using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Web.Features.Common;

/// <summary>"Today" and "this month" as the facility's clock shows them, as UTC instants to compare stored times with.</summary>
public sealed record FacilityDay(DateTimeOffset TodayStart, DateTimeOffset TomorrowStart, DateTimeOffset MonthStart, TimeZoneInfo Zone)
{
    /// <summary>The day of <paramref name="facilityId"/>'s time zone (UTC for network-wide staff, or an unknown zone).</summary>
    public static async Task<FacilityDay> OfAsync(ImagePortalDbContext db, Guid? facilityId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var zoneId = facilityId is { } id
            ? await db.Facilities.AsNoTracking().Where(f => f.Id == id).Select(f => f.TimeZoneId).FirstOrDefaultAsync(cancellationToken)
            : null;
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(zoneId ?? "UTC", out var found) ? found : TimeZoneInfo.Utc;
        return At(now, zone);
    }

    public static FacilityDay At(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var today = local.Date;
        return new FacilityDay(Start(today, zone), Start(today.AddDays(1), zone), Start(new DateTime(today.Year, today.Month, 1), zone), zone);
    }

    // A local midnight that a clock change skips or repeats is taken at its earliest valid instant.
    private static DateTimeOffset Start(DateTime localMidnight, TimeZoneInfo zone)
    {
        var unspecified = DateTime.SpecifyKind(localMidnight, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddMinutes(30);
        }

        var offset = zone.IsAmbiguousTime(unspecified) ? zone.GetAmbiguousTimeOffsets(unspecified).Max() : zone.GetUtcOffset(unspecified);
        return new DateTimeOffset(unspecified, offset).ToUniversalTime();
    }
}
