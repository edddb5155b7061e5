using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Time.Testing;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>
/// The approver's look-up grants: the user who looked up, for that request, for <see cref="ViewingSettings.LookUpGrantLifetime"/>,
/// in the process that ran the look-up (a web node behind sticky sessions; see <see cref="ViewingGrants"/> for why that suffices).
/// </summary>
public sealed class ViewingGrantsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));

    private ViewingGrants Node() => new(new FixedOptionsMonitor<ViewingSettings>(new ViewingSettings { LookUpGrantLifetime = TimeSpan.FromHours(8) }), _clock);

    [Fact]
    public void ALookUpGrants_ItsUser_ThatRequest_ForTheLifetime_OnTheNodeThatRanIt()
    {
        var node = Node();
        node.Record("approver", "REQ-1", [("1.2.3", "SBR-1"), ("1.2.4", null)]);

        Assert.Equal(new Dictionary<string, string?> { ["1.2.3"] = "SBR-1", ["1.2.4"] = null }, node.For("approver", "REQ-1"));
        Assert.Empty(node.For("colleague", "REQ-1"));
        Assert.Empty(node.For("approver", "REQ-2"));

        // Another node (or this one after a restart) holds nothing: the approver, whose circuit moved with them, looks up again there.
        var other = Node();
        Assert.Empty(other.For("approver", "REQ-1"));
        other.Record("approver", "REQ-1", [("1.2.3", "SBR-1")]);
        Assert.Equal(["1.2.3"], other.For("approver", "REQ-1").Keys);

        // A second look-up adds to the first; the lifetime runs from the latest.
        _clock.Advance(TimeSpan.FromHours(7));
        node.Record("approver", "REQ-1", [("1.2.5", "SBR-1")]);
        _clock.Advance(TimeSpan.FromHours(7));
        Assert.Equal(["1.2.3", "1.2.4", "1.2.5"], node.For("approver", "REQ-1").Keys.Order());
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Empty(node.For("approver", "REQ-1"));
    }
}
