using ImagePortal.Domain.Common;

namespace ImagePortal.Tests.Domain.Common;

/// <summary>The wording the stalled-retrieval and sign-in-throttle messages share (StalledRetrievalTests and SignInThrottlingTests assert it in place).</summary>
public sealed class DurationWordsTests
{
    [Theory]
    [InlineData(300, "5 minutes")]
    [InlineData(60, "1 minute")]
    [InlineData(90, "90 seconds")]
    [InlineData(2, "2 seconds")]
    [InlineData(1, "1 second")]
    [InlineData(7200, "120 minutes")]
    public void Of_SaysASettingBackAsItWasSet(int seconds, string expected) =>
        Assert.Equal(expected, DurationWords.Of(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(60, "a minute")]
    [InlineData(90, "2 minutes")]
    [InlineData(600, "10 minutes")]
    [InlineData(30, "30 seconds")]
    [InlineData(1, "a second")]
    public void AtLeast_RoundsUp_SoTheReaderDoesNotComeBackTooSoon(int seconds, string expected) =>
        Assert.Equal(expected, DurationWords.AtLeast(TimeSpan.FromSeconds(seconds)));
}
