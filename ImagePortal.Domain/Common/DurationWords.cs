namespace ImagePortal.Domain.Common;

/// <summary>
/// A duration as people read it in a message ("5 minutes", "90 seconds"): one wording for every message that names a
/// setting's duration (a retrieval that stalled, the sign-in throttle's wait).
/// </summary>
public static class DurationWords
{
    /// <summary>
    /// Whole minutes when <paramref name="span"/> is a whole number of them, otherwise seconds: a setting said back as it
    /// was set ("1 minute", "5 minutes", "90 seconds").
    /// </summary>
    public static string Of(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? Count(span.TotalMinutes, "minute", "1") : Count(Math.Round(span.TotalSeconds), "second", "1");

    /// <summary>
    /// A wait of at least <paramref name="span"/>, rounded up so that the reader does not come back too soon: minutes from
    /// one minute on ("a minute", "2 minutes" for 90 seconds), seconds below it.
    /// </summary>
    public static string AtLeast(TimeSpan span) =>
        span.TotalMinutes >= 1 ? Count(Math.Ceiling(span.TotalMinutes), "minute", "a") : Count(Math.Ceiling(span.TotalSeconds), "second", "a");

    private static string Count(double count, string unit, string one) => count == 1 ? $"{one} {unit}" : $"{count:0.#} {unit}s";
}
