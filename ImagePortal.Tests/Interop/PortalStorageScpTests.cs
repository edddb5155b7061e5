using System.Net;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Interop;

/// <summary>The portal's Storage SCP as configured in the <c>Dicom</c> section: where it listens, and how it limits connections.</summary>
public sealed class PortalStorageScpTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void ByDefault_TheScpListensOnLoopbackOnly()
    {
        Assert.Equal("127.0.0.1", new PortalDicomOptions().BindAddress);
        Assert.Equal(IPAddress.Loopback, fixture.Services.GetRequiredService<PortalStorageScp>().BindAddress);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.7")]
    [InlineData("::")]
    [InlineData(" 10.1.2.3 ")]
    public void BindAddress_ReachesTheListenerOptions(string configured)
    {
        var options = new PortalDicomOptions { BindAddress = configured, MaxConnectionsPerAddress = 2, AssociationRequestTimeout = TimeSpan.FromSeconds(3) };

        var server = PortalStorageScp.ServerOptions(Identity(), options, ["SBR_PACS"]);

        Assert.Equal(IPAddress.Parse(configured.Trim()), server.BindAddress);
        Assert.Equal(2, server.MaxConnectionsPerAddress);
        Assert.Equal(TimeSpan.FromSeconds(3), server.AssociationTimeout);
        Assert.Equal(["SBR_PACS"], server.AllowedCallingAeTitles!.Keys);
    }

    [Theory]
    [InlineData("portal.example.org")]
    [InlineData("127.0.0.1:11112")]
    [InlineData("")]
    public async Task AnUnparseableBindAddress_FailsStart_WithAClearMessage(string configured)
    {
        await using var scp = ActivatorUtilities.CreateInstance<PortalStorageScp>(
            fixture.Services, Options.Create(new PortalDicomOptions { BindAddress = configured, Port = 0 }));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => scp.StartAsync(Ct));

        Assert.Contains("Dicom:BindAddress", error.Message);
        Assert.Contains($"'{configured}'", error.Message);
        Assert.Null(scp.BindAddress);
    }

    private static PortalDicomIdentity Identity() => new("IMAGEPORTAL", 0, [], IsFromDatabase: false);
}
