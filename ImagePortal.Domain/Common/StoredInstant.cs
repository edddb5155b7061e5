namespace ImagePortal.Domain.Common;

/// <summary>
/// An instant as every supported database keeps it: UTC, to the whole microsecond. PostgreSQL's <c>timestamptz</c> has
/// microseconds where .NET has 100 ns ticks, so a value sealed into a hash (an audit event's time) must be cut to
/// microseconds before it is sealed, or the hash would no longer match the value read back.
/// </summary>
public static class StoredInstant
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public static DateTimeOffset Of(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % TicksPerMicrosecond), TimeSpan.Zero);
    }
}
