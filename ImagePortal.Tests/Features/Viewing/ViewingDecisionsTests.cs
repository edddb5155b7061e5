using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Viewing;
using Microsoft.Extensions.Time.Testing;

namespace ImagePortal.Tests.Features.Viewing;

/// <summary>
/// The access decisions a viewer's calls reuse: only what was allowed, only for the same user, facility, roles, request and
/// look-up grant, only for <see cref="ViewingSettings.AccessDecisionLifetime"/>, and not at all when that is zero.
/// </summary>
public sealed class ViewingDecisionsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));

    private ViewingDecisions Decisions(TimeSpan lifetime) =>
        new(new FixedOptionsMonitor<ViewingSettings>(new ViewingSettings { AccessDecisionLifetime = lifetime }), _clock);

    private static readonly Guid Facility = Guid.NewGuid();

    private static ViewingDecisions.ScopeKey Key(string user = "approver", bool clerk = false, string number = "REQ-1", long? grant = null, Guid? facility = null) =>
        new(user, facility ?? Facility, Approver: !clerk, FacilityAdmin: false, Clerk: clerk, number, grant);

    private static ViewingScope Scope() => new(null!, new Dictionary<string, ViewableStudy>());

    [Fact]
    public void ADecision_IsReused_ForTheSameAsker_WithinTheLifetime_AndDecidedAfreshAfterIt()
    {
        var decisions = Decisions(TimeSpan.FromSeconds(5));
        var scope = Scope();
        decisions.Remember(Key(), scope);

        Assert.Same(scope, decisions.Scope(Key()));
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Same(scope, decisions.Scope(Key()));
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(decisions.Scope(Key()));
    }

    [Fact]
    public void AnotherUser_Facility_Role_Request_OrANewLookUpGrant_IsANewDecision()
    {
        var decisions = Decisions(TimeSpan.FromSeconds(5));
        decisions.Remember(Key(grant: 1), Scope());

        Assert.NotNull(decisions.Scope(Key(grant: 1)));
        Assert.Null(decisions.Scope(Key(user: "colleague", grant: 1)));
        Assert.Null(decisions.Scope(Key(facility: Guid.NewGuid(), grant: 1)));
        Assert.Null(decisions.Scope(Key(clerk: true, grant: 1)));
        Assert.Null(decisions.Scope(Key(number: "REQ-2", grant: 1)));
        Assert.Null(decisions.Scope(Key(grant: 2)));
        Assert.Null(decisions.Scope(Key(grant: null)));
    }

    [Fact]
    public void ALifetimeOfZero_DecidesEveryCallAfresh()
    {
        var decisions = Decisions(TimeSpan.Zero);
        decisions.Remember(Key(), Scope());

        Assert.Null(decisions.Scope(Key()));
    }

    [Fact]
    public async Task AClerksLedger_IsReadOnce_WithinTheLifetime_ThenReadAgain()
    {
        var decisions = Decisions(TimeSpan.FromSeconds(5));
        var node = Guid.NewGuid();
        var reads = 0;
        Task<IReadOnlySet<string>> Read()
        {
            reads++;
            return Task.FromResult<IReadOnlySet<string>>(new HashSet<string> { $"1.2.{reads}" });
        }

        Assert.Contains("1.2.1", await decisions.LedgerAsync(node, "1.2.3", Read));
        Assert.Contains("1.2.1", await decisions.LedgerAsync(node, "1.2.3", Read));
        Assert.Contains("1.2.2", await decisions.LedgerAsync(node, "1.2.4", Read));
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Contains("1.2.3", await decisions.LedgerAsync(node, "1.2.3", Read));
        Assert.Equal(3, reads);
    }

    [Fact]
    public void TheGrants_Version_ChangesWithEveryLookUp_SoANewStudyIsSeenAtOnce()
    {
        var grants = new ViewingGrants(new FixedOptionsMonitor<ViewingSettings>(new ViewingSettings()), _clock);
        Assert.Null(grants.GrantVersion("approver", "REQ-1"));

        grants.Record("approver", "REQ-1", [("1.2.3", null)]);
        var first = grants.GrantVersion("approver", "REQ-1");
        grants.Record("approver", "REQ-1", [("1.2.4", null)]);

        Assert.NotNull(first);
        Assert.NotEqual(first, grants.GrantVersion("approver", "REQ-1"));
        Assert.Null(grants.GrantVersion("colleague", "REQ-1"));
    }
}
