namespace ImagePortal.Tests.Support.Peers;

/// <summary>Runs DCMTK's command-line SCUs (echoscu, storescu, findscu, getscu, movescu) against 127.0.0.1.</summary>
public static class DcmtkTools
{
    public static Task<(int ExitCode, string Output)> RunAsync(string tool, IEnumerable<string> arguments, CancellationToken cancellationToken, TimeSpan? timeout = null, bool tcpNoDelay = false, string? workingDirectory = null)
    {
        var executable = ExternalTools.Require(tool, "dcmtk");
        return PeerProcess.RunAsync(executable, arguments, workingDirectory ?? Path.GetTempPath(), timeout ?? TimeSpan.FromSeconds(60), DcmtkStoreScp.Environment(tcpNoDelay), cancellationToken);
    }
}
