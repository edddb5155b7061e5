namespace ImagePortal.Tests.Support;

/// <summary>The system clock, except that reading it is a <see cref="Meeting"/>: for code that reads the time between its check and its write.</summary>
public sealed class MeetingClock(Meeting meeting) : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        meeting.Join();
        return base.GetUtcNow();
    }
}
