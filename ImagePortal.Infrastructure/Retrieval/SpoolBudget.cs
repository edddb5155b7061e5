namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The spool folder and its size limit, shared by every job of this process.</summary>
public sealed class SpoolBudget(string directory, long limitBytes)
{
    private long _used;

    public string Directory { get; } = directory;

    /// <summary>Kept aside, never imported: instances a source sent that no request asked for.</summary>
    public string QuarantineDirectory => Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Directory)) ?? Directory, "quarantine");

    public long Used => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > limitBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    public void Adjust(long bytes) => Interlocked.Add(ref _used, bytes);
}
