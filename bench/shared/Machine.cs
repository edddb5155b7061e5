using System.Diagnostics;
using System.Globalization;

/// <summary>What a bench helper reads of this machine and of a process (the portal, a worker) from /proc; compiled into
/// viewer-bench and retrieval-bench.</summary>
internal static class Machine
{
    /// <summary>User + system CPU time of the process so far, in seconds (/proc/PID/stat fields 14 and 15, at 100 ticks/s).</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Until the whole machine is quiet (under 15 % of its CPU busy over 250 ms, from /proc/stat), or the deadline has passed.</summary>
    public static async Task QuietAsync(TimeSpan deadline)
    {
        static (long Busy, long All) Ticks()
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var all = fields.Take(8).Sum();
            return (all - idle, all);
        }

        var until = Stopwatch.StartNew();
        while (until.Elapsed < deadline)
        {
            var before = Ticks();
            await Task.Delay(250);
            var after = Ticks();
            if (after.All > before.All && (after.Busy - before.Busy) * 100 < (after.All - before.All) * 15)
            {
                return;
            }
        }
    }

    /// <summary>VmRSS of the process in MB (0 when it is gone).</summary>
    public static long ResidentMegabytes(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
