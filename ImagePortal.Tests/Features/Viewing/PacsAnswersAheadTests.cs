using ImagePortal.Dicom.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Time.Testing;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>
/// The C-FIND answers the viewer page's head start keeps for the page's calls: given once, to the same query of the same
/// node only, within <see cref="ViewingSettings.HeadStartLifetime"/>, and not kept at all when that is zero.
/// </summary>
public sealed class PacsAnswersAheadTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));

    private static readonly Guid Node = Guid.NewGuid();

    private PacsAnswersAhead Ahead(TimeSpan lifetime) =>
        new(new FixedOptionsMonitor<ViewingSettings>(new ViewingSettings { HeadStartLifetime = lifetime }), _clock);

    private static Task<IReadOnlyList<DicomDataset>> Answers() => Task.FromResult<IReadOnlyList<DicomDataset>>([new DicomDataset()]);

    private static string Key(Guid node, string series = "1.2.3.1", string? sop = null) =>
        PacsAnswersAhead.KeyOf(node, PacsQueries.InstancesQuery("1.2.3", series, sop));

    [Fact]
    public void AKeptAnswer_IsGivenOnce_ToTheSameQueryOfTheSameNode()
    {
        var ahead = Ahead(TimeSpan.FromSeconds(10));
        var answers = Answers();
        Assert.True(ahead.Offer(Key(Node), answers));
        Assert.False(ahead.Offer(Key(Node), Answers()));

        Assert.Null(ahead.Take(Key(Guid.NewGuid())));
        Assert.Null(ahead.Take(Key(Node, series: "1.2.3.2")));
        Assert.Null(ahead.Take(Key(Node, sop: "1.2.3.1.1")));
        Assert.Null(ahead.Take(PacsAnswersAhead.KeyOf(Node, PacsQueries.SeriesQuery("1.2.3"))));
        Assert.Same(answers, ahead.Take(Key(Node)));
        Assert.Null(ahead.Take(Key(Node)));
    }

    [Fact]
    public void AnAnswerNotTakenWithinTheLifetime_IsDropped_AndNoneIsKeptWhenTheHeadStartIsOff()
    {
        var ahead = Ahead(TimeSpan.FromSeconds(10));
        Assert.True(ahead.Offer(Key(Node), Answers()));
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Null(ahead.Take(Key(Node)));

        Assert.True(ahead.Offer(Key(Node), Answers()));
        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.NotNull(ahead.Take(Key(Node)));

        var off = Ahead(TimeSpan.Zero);
        Assert.False(off.Offer(Key(Node), Answers()));
        Assert.Null(off.Take(Key(Node)));
    }
}
