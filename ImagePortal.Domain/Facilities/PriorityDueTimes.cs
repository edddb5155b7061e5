using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Facilities;

/// <summary>How long a holding facility gives itself to decide a request, per priority (DESIGN.md: 1 h, 4 h, 2 working days).</summary>
public sealed record PriorityDueTimes(TimeSpan Stat, TimeSpan Urgent, int RoutineWorkingDays)
{
    public static PriorityDueTimes Default { get; } = new(TimeSpan.FromHours(1), TimeSpan.FromHours(4), 2);

    public PriorityDueTimes Validate()
    {
        if (Stat <= TimeSpan.Zero || Urgent <= TimeSpan.Zero)
        {
            throw new DomainException("Due times must be positive.");
        }

        if (Stat > Urgent)
        {
            throw new DomainException("A STAT request cannot be due later than an urgent one.");
        }

        if (RoutineWorkingDays is < 1 or > 30)
        {
            throw new DomainException("Routine requests must be due within 1 to 30 working days.");
        }

        return this;
    }
}
