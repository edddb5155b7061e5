using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using ImagePortal.Dicom.Network;
using ImagePortal.Infrastructure;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// Instances retrieved for viewing, one Part 10 file each, on disk under the data directory. A file is written under a
/// temporary name in <c>tmp/</c> and renamed when complete, so a reader never sees half an instance. Files are named by a
/// hash of the node and SOP Instance UID (a UID from a PACS is hostile: never a path). The cache holds at most
/// <see cref="ViewingSettings.CacheSize"/> bytes, dropping the least recently used; an instance older than
/// <see cref="ViewingSettings.CacheExpiry"/> is fetched again. The index lives in memory and is rebuilt from the folder at start.
/// </summary>
public sealed class InstanceCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _evicting = new();
    private readonly IOptionsMonitor<ViewingSettings> _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger<InstanceCache> _logger;
    private long _total;

    public InstanceCache(IOptionsMonitor<ViewingSettings> settings, IConfiguration configuration, IHostEnvironment environment, TimeProvider clock, ILogger<InstanceCache> logger)
    {
        _settings = settings;
        _clock = clock;
        _logger = logger;
        Folder = DataDirectory.Folder(configuration, environment.ContentRootPath, settings.CurrentValue.CacheDirectory, "viewing-cache");
        Temporary = Directory.CreateDirectory(Path.Combine(Folder, "tmp")).FullName;
        Load();
    }

    public string Folder { get; }

    private string Temporary { get; }

    /// <summary>The bytes the cache holds now.</summary>
    public long TotalBytes => Interlocked.Read(ref _total);

    /// <summary>The cached file of an instance, or null when it is not cached or has expired (then it is removed).</summary>
    public string? TryGet(Guid nodeId, string sopInstanceUid)
    {
        var path = PathFor(nodeId, sopInstanceUid);
        if (!_entries.TryGetValue(path, out var entry))
        {
            return null;
        }

        var now = _clock.GetUtcNow();
        if (now - entry.StoredAt > _settings.CurrentValue.CacheExpiry || !File.Exists(path))
        {
            Remove(path);
            return null;
        }

        entry.LastUsed = now.UtcTicks;
        return path;
    }

    /// <summary>Streams a received instance into the cache (temporary file, then rename); returns its cached path.</summary>
    public async Task<string> StoreAsync(Guid nodeId, ReceivedInstance instance, CancellationToken cancellationToken)
    {
        var path = PathFor(nodeId, instance.SopInstanceUid);
        var partial = Path.Combine(Temporary, Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await file.WriteAsync(instance.Header.Encode(instance.CallingAeTitle), cancellationToken);
                await instance.DataSet.CopyToAsync(file, 1 << 16, cancellationToken);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.Move(partial, path, overwrite: true);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }

        var now = _clock.GetUtcNow();
        var size = new FileInfo(path).Length;
        var added = new Entry(size, now) { LastUsed = now.UtcTicks };
        _entries.AddOrUpdate(path, _ => { Interlocked.Add(ref _total, size); return added; }, (_, old) => { Interlocked.Add(ref _total, size - old.Size); return added; });
        Evict(path);
        return path;
    }

    /// <summary>Drops the least recently used instances until the cache fits its size (never <paramref name="keep"/> first).</summary>
    private void Evict(string keep)
    {
        var limit = _settings.CurrentValue.CacheSize;
        if (TotalBytes <= limit)
        {
            return;
        }

        lock (_evicting)
        {
            // Files being streamed stay readable after the unlink (their handle is open): eviction never breaks an answer.
            foreach (var (path, _) in _entries.OrderBy(e => e.Key == keep ? 1 : 0).ThenBy(e => e.Value.LastUsed).ToList())
            {
                if (TotalBytes <= limit)
                {
                    break;
                }

                Remove(path);
            }
        }
    }

    private void Remove(string path)
    {
        if (_entries.TryRemove(path, out var entry))
        {
            Interlocked.Add(ref _total, -entry.Size);
        }

        TryDelete(path);
    }

    private string PathFor(Guid nodeId, string sopInstanceUid)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes($"{nodeId:N}/{sopInstanceUid}")));
        return Path.Combine(Folder, hash[..2], hash + ".dcm");
    }

    private void Load()
    {
        foreach (var partial in Directory.EnumerateFiles(Temporary))
        {
            // Left by a process that stopped mid-transfer: never complete, never served.
            TryDelete(partial);
        }

        foreach (var file in Directory.EnumerateFiles(Folder, "*.dcm", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            var stored = new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero);
            _entries[file] = new Entry(info.Length, stored) { LastUsed = stored.UtcTicks };
            _total += info.Length;
        }

        _logger.LogInformation("Viewing cache at {Folder}: {Count} instances, {Bytes} bytes", Folder, _entries.Count, _total);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed record Entry(long Size, DateTimeOffset StoredAt)
    {
        public long LastUsed { get; set; }
    }
}
