using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;

namespace ImagePortal.Tests.Domain.Retrievals;

/// <summary>Held → Released | Deleted | Purged, from every state: the legal moves work and record who, when and why; all others are refused.</summary>
public sealed class QuarantinedInstanceTests
{
    private static readonly DateTimeOffset Received = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Later = Received.AddDays(2);

    private static readonly Dictionary<string, Action<QuarantinedInstance>> Actions = new()
    {
        ["Release"] = q => q.Release("admin.nvh", "Source corrected the patient ID; confirmed by phone with SBR PACS admin", Later),
        ["Delete"] = q => q.Delete("admin.nvh", "Another patient's image", Later),
        ["Purge"] = q => q.Purge("held longer than the quarantine retention (30 days)", Later),
    };

    private static readonly Dictionary<QuarantineState, string[]> PathTo = new()
    {
        [QuarantineState.Held] = [],
        [QuarantineState.Released] = ["Release"],
        [QuarantineState.Deleted] = ["Delete"],
        [QuarantineState.Purged] = ["Purge"],
    };

    private static readonly Dictionary<string, QuarantineState> FromHeld = new()
    {
        ["Release"] = QuarantineState.Released,
        ["Delete"] = QuarantineState.Deleted,
        ["Purge"] = QuarantineState.Purged,
    };

    public static TheoryData<QuarantineState, string> Every()
    {
        var data = new TheoryData<QuarantineState, string>();
        foreach (var state in Enum.GetValues<QuarantineState>())
        {
            foreach (var action in Actions.Keys)
            {
                data.Add(state, action);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Every))]
    public void EveryActionFromEveryState_IsAllowedOnlyFromHeld(QuarantineState from, string action)
    {
        var instance = InState(from);

        if (from == QuarantineState.Held)
        {
            Actions[action](instance);
            Assert.Equal(FromHeld[action], instance.State);
            Assert.Equal(Later, instance.ResolvedAt);
            Assert.False(string.IsNullOrEmpty(instance.Resolution));
            Assert.Equal(action == "Purge" ? null : "admin.nvh", instance.ResolvedBy);
        }
        else
        {
            var before = (instance.State, instance.ResolvedBy, instance.ResolvedAt, instance.Resolution);
            var refused = Assert.Throws<DomainException>(() => Actions[action](instance));
            Assert.Contains($"already {from.ToString().ToLowerInvariant()}", refused.Message);
            Assert.Equal(before, (instance.State, instance.ResolvedBy, instance.ResolvedAt, instance.Resolution));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    public void ReleaseOrDelete_WithoutAUsableReason_IsRefused_AndTheInstanceStaysHeld(string reason)
    {
        var instance = InState(QuarantineState.Held);

        Assert.Throws<DomainException>(() => instance.Release("admin.nvh", reason, Later));
        Assert.Throws<DomainException>(() => instance.Delete("admin.nvh", reason, Later));
        Assert.Equal(QuarantineState.Held, instance.State);
        Assert.Null(instance.ResolvedAt);
    }

    [Fact]
    public void ANewInstance_IsHeld_WithTheSourceAeTitle()
    {
        var instance = new QuarantinedInstance(Guid.NewGuid(), Guid.NewGuid(), "1.2.3", "1.2", "SBR-1", "wrong patient", "a.dcm", 10, Received, "SBR_PACS");

        Assert.Equal(QuarantineState.Held, instance.State);
        Assert.True(instance.IsHeld);
        Assert.Equal("SBR_PACS", instance.SourceAeTitle);
        Assert.Null(instance.ResolvedBy);
    }

    private static QuarantinedInstance InState(QuarantineState state)
    {
        var instance = new QuarantinedInstance(Guid.NewGuid(), Guid.NewGuid(), "1.2.3", "1.2", "SBR-1", "wrong patient", "a.dcm", 10, Received);
        foreach (var step in PathTo[state])
        {
            Actions[step](instance);
        }

        return instance;
    }
}
