using System.Globalization;

namespace ImagePortal.Tests.Support;

/// <summary>
/// Which process listens on a TCP port, read from Linux's /proc. A connection to a peer's port proves nothing about the
/// peer: when another program took the port first, the connection reaches that program while the peer fails to bind.
/// </summary>
public static class ListeningSockets
{
    private const string Listen = "0A";

    /// <summary>False where /proc does not tell (not Linux): callers fall back to connecting.</summary>
    public static bool Supported => File.Exists("/proc/net/tcp");

    /// <summary>True when <paramref name="processId"/> or one of its descendants holds a listening socket on <paramref name="port"/>.</summary>
    public static bool IsHeldBy(int processId, int port)
    {
        var inodes = ListeningInodes(port);
        if (inodes.Count == 0)
        {
            return false;
        }

        return ProcessTree(processId).Any(pid => SocketInodesOf(pid).Overlaps(inodes));
    }

    private static HashSet<string> ListeningInodes(int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (IOException)
            {
                continue;
            }

            // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ..."; address as HEXIP:HEXPORT.
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == Listen && fields[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
                {
                    inodes.Add(fields[9]);
                }
            }
        }

        return inodes;
    }

    private static HashSet<string> SocketInodesOf(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFiles($"/proc/{processId}/fd"))
            {
                // "socket:[12345]"
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended meanwhile, or is not ours to read.
        }

        return inodes;
    }

    private static List<int> ProcessTree(int root)
    {
        var all = new List<int> { root };
        for (var i = 0; i < all.Count; i++)
        {
            try
            {
                foreach (var task in Directory.EnumerateDirectories($"/proc/{all[i]}/task"))
                {
                    var children = File.ReadAllText(Path.Combine(task, "children"));
                    all.AddRange(children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(c => int.Parse(c, CultureInfo.InvariantCulture)));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return all;
    }
}
