using System.Net;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Network.Server;

/// <summary>The address a connection came from against the address a node is expected at.</summary>
public sealed class PeerAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::ffff:127.0.0.1", "127.0.0.1")]
    [InlineData("127.0.0.1", "::ffff:127.0.0.1")]
    [InlineData("::1", "127.0.0.1")]
    [InlineData("127.0.0.1", "::1")]
    [InlineData("::ffff:192.0.2.10", "192.0.2.10")]
    [InlineData("192.0.2.10", "192.0.2.10")]
    [InlineData("2001:db8::7", "2001:DB8:0:0:0:0:0:7")]
    [InlineData("fe80::1%2", "fe80::1")]
    public void TheSameHost_InAnotherNotation_Matches(string remote, string expected) =>
        Assert.True(PeerAddress.SameHost(IPAddress.Parse(remote), IPAddress.Parse(expected)));

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.2")]
    [InlineData("::ffff:127.0.0.2", "127.0.0.1")]
    [InlineData("::1", "127.0.0.2")]
    [InlineData("192.0.2.10", "192.0.2.11")]
    [InlineData("::ffff:192.0.2.10", "::ffff:192.0.2.11")]
    [InlineData("192.0.2.10", "2001:db8::7")]
    [InlineData("0.0.0.0", "192.0.2.10")]
    [InlineData("2001:db8::7", "2001:db8::8")]
    public void AnotherHost_DoesNotMatch(string remote, string expected) =>
        Assert.False(PeerAddress.SameHost(IPAddress.Parse(remote), IPAddress.Parse(expected)));
}
