using ImagePortal.Web.Security;

namespace ImagePortal.Tests.Web;

public sealed class UserCircuitsTests
{
    [Fact]
    public void ACircuitBeyondTheLimit_IsRefused_UntilOneIsReleased()
    {
        var circuits = new UserCircuits();

        Assert.True(circuits.TryAdd("u1", "c1", 2));
        Assert.True(circuits.TryAdd("u1", "c2", 2));
        Assert.False(circuits.TryAdd("u1", "c3", 2));
        Assert.True(circuits.TryAdd("u2", "c4", 2));
        Assert.Equal(2, circuits.CountOf("u1"));

        circuits.Remove("u1", "c1");

        Assert.True(circuits.TryAdd("u1", "c3", 2));
        Assert.Equal(2, circuits.CountOf("u1"));
    }

    [Fact]
    public void ReleasingEveryCircuit_ForgetsTheUser()
    {
        var circuits = new UserCircuits();
        circuits.TryAdd("u1", "c1", 5);

        circuits.Remove("u1", "c1");
        circuits.Remove("u1", "c1");

        Assert.Equal(0, circuits.CountOf("u1"));
    }
}
