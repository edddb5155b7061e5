using System.Net.Sockets;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Tests.Infrastructure.Pacs;

/// <summary>A socket failure reaches the screen in words, never as the enum's name ("ConnectionRefused").</summary>
public sealed class NetworkErrorsTests
{
    [Theory]
    [InlineData(SocketError.ConnectionRefused, "nothing accepts connections on that port")]
    [InlineData(SocketError.HostNotFound, "host name is not known")]
    [InlineData(SocketError.TimedOut, "no answer")]
    [InlineData(SocketError.HostUnreachable, "cannot be reached")]
    [InlineData(SocketError.NetworkUnreachable, "network is unreachable")]
    [InlineData(SocketError.ConnectionReset, "reset")]
    public void EachCommonFailure_IsDescribedInWords(SocketError code, string words)
    {
        var text = NetworkErrors.Describe(new SocketException((int)code));

        Assert.Contains(words, text);
        Assert.DoesNotContain(code.ToString(), text);
    }

    [Fact]
    public void ARareFailure_FallsBackToTheSystemsOwnMessage()
    {
        var error = new SocketException((int)SocketError.TooManyOpenSockets);

        Assert.Equal($"network error ({error.Message})", NetworkErrors.Describe(error));
    }
}
