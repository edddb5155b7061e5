using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Web.Features.Requests;

/// <summary>When a request falls due, by the holding facility's policy, counted in that facility's time zone.</summary>
public static class DueTimes
{
    public static DateTimeOffset For(RequestPriority priority, PriorityDueTimes policy, string timeZoneId, DateTimeOffset now) =>
        priority switch
        {
            RequestPriority.Stat => now + policy.Stat,
            RequestPriority.Urgent => now + policy.Urgent,
            _ => AddWorkingDays(now, policy.RoutineWorkingDays, TimeZoneInfo.FindSystemTimeZoneById(timeZoneId)),
        };

    /// <summary>The same local time of day, <paramref name="days"/> weekdays later (Saturdays and Sundays skipped).</summary>
    public static DateTimeOffset AddWorkingDays(DateTimeOffset now, int days, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var date = local.Date;
        var added = 0;
        while (added < days)
        {
            date = date.AddDays(1);
            if (date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            {
                added++;
            }
        }

        var dueLocal = date + local.TimeOfDay;
        return new DateTimeOffset(dueLocal, zone.GetUtcOffset(dueLocal)).ToUniversalTime();
    }
}
