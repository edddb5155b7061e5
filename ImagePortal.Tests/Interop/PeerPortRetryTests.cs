using System.Globalization;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Npgsql;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Real peers whose first picked port another program holds (here the test, as a parallel test's Orthanc, Chromium or
/// Kestrel did in CI): the peer still starts, on another port, and answers there itself.
/// </summary>
public sealed class PeerPortRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Storescp_WhoseFirstPortIsHeld_StartsOnAnother_AndAnswersAnEcho()
    {
        using var holder = PortRetryTests.Hold();
        var held = PortRetryTests.Port(holder);

        await using var scp = await DcmtkStoreScp.StartAsync(cancellationToken: Ct, pickPort: PortRetryTests.Picks(held));

        Assert.NotEqual(held, scp.Port);
        await AssertEchoAsync(scp.Port, scp.AeTitle);
    }

    [Fact]
    public async Task Orthanc_WhoseDicomPortIsHeld_StartsOnOtherPorts_AndAnswersOnBoth()
    {
        using var holder = PortRetryTests.Hold();
        var held = PortRetryTests.Port(holder);

        // Orthanc's ports are picked DICOM first, then HTTP.
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { PickPort = PortRetryTests.Picks(held) }, Ct);

        Assert.NotEqual(held, orthanc.DicomPort);
        Assert.NotEqual(held, orthanc.HttpPort);
        Assert.Equal("imageportal-test", (await orthanc.GetJsonAsync("system", Ct)).GetProperty("Name").GetString());
        await AssertEchoAsync(orthanc.DicomPort, orthanc.AeTitle);
    }

    [Fact]
    public async Task Orthanc_WhoseHttpPortIsHeld_StartsOnOtherPorts_AndAnswersOnBoth()
    {
        using var holder = PortRetryTests.Hold();
        var held = PortRetryTests.Port(holder);
        var picks = 0;
        int Pick() => Interlocked.Increment(ref picks) == 2 ? held : FreePort.Next();

        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { PickPort = Pick }, Ct);

        Assert.NotEqual(held, orthanc.HttpPort);
        Assert.True(picks > 2, "The held port was never handed out.");
        Assert.Equal("imageportal-test", (await orthanc.GetJsonAsync("system", Ct)).GetProperty("Name").GetString());
        await AssertEchoAsync(orthanc.DicomPort, orthanc.AeTitle);
    }

    [Fact]
    public async Task PostgreSql_WhosePortIsHeld_StartsOnAnother_AndAnswersQueries()
    {
        using var holder = PortRetryTests.Hold();
        var held = PortRetryTests.Port(holder);

        await using var server = await PostgresPeer.StartAsync(Ct, PortRetryTests.Picks(held));

        Assert.NotEqual(held, server.Port);
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        Assert.Equal(1, await command.ExecuteScalarAsync(Ct));
    }

    [Fact]
    public async Task ThePortalsStorageScp_WhosePortIsHeld_StartsOnAnother()
    {
        using var holder = PortRetryTests.Hold();
        var held = PortRetryTests.Port(holder);
        var ports = new PortalPorts(1, p => new Dictionary<string, string?> { ["Dicom:Port"] = p[0].ToString(CultureInfo.InvariantCulture) })
        {
            Pick = PortRetryTests.Picks(held),
        };

        await using var app = new PortalApp(startServer: false, new Dictionary<string, string?> { ["Portal:Role"] = "all" }, ports: ports);
        await app.InitializeAsync();

        Assert.NotEqual(held, app.Ports[0]);
        Assert.True(ListeningSockets.IsHeldBy(Environment.ProcessId, app.Ports[0]), $"Nothing of this process listens on {app.Ports[0]}.");
    }

    private static async Task AssertEchoAsync(int port, string aeTitle)
    {
        var (exit, output) = await DcmtkTools.RunAsync(
            "echoscu", ["-aec", aeTitle, "-to", "10", "127.0.0.1", port.ToString(CultureInfo.InvariantCulture)], Ct, TimeSpan.FromSeconds(30));
        Assert.True(exit == 0, $"echoscu to port {port} failed ({exit}): {output}");
    }
}
