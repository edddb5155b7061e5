using System.Collections.Concurrent;
using ImagePortal.Dicom.Data;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// C-FIND answers asked for ahead of the viewer's own calls (<see cref="ViewerHeadStart"/>), each given to the first of
/// <see cref="PacsQueries"/>' queries that asks the same thing of the same node, once, within
/// <see cref="ViewingSettings.HeadStartLifetime"/>; one not taken in time is dropped. What is kept is the PACS's answer
/// only: the call that takes it has checked the user's access, and filters the answers as for any other.
/// </summary>
public sealed class PacsAnswersAhead(IOptionsMonitor<ViewingSettings> settings, TimeProvider clock)
{
    /// <summary>A bound on what waits here (each page's head start leaves two): beyond it, nothing more is kept.</summary>
    private const int MaxEntries = 256;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The query's identity: the node, the level and the unique keys that narrow it (study, series, instance).</summary>
    public static string KeyOf(Guid node, DicomDataset keys) => string.Join(
        '|', node.ToString("N"), keys.GetString(DicomTag.QueryRetrieveLevel), keys.GetString(DicomTag.StudyInstanceUID),
        keys.GetString(DicomTag.SeriesInstanceUID), keys.GetString(DicomTag.SOPInstanceUID));

    /// <summary>
    /// Keeps <paramref name="answers"/> (complete once the head start has read them: the taker may change them) for the
    /// query <paramref name="key"/>; false when the head start is off, the same query waits already, or too many do.
    /// </summary>
    public bool Offer(string key, Task<IReadOnlyList<DicomDataset>> answers)
    {
        var lifetime = settings.CurrentValue.HeadStartLifetime;
        if (lifetime <= TimeSpan.Zero)
        {
            return false;
        }

        var now = clock.GetUtcNow();
        foreach (var (stale, entry) in _entries)
        {
            if (entry.Until <= now)
            {
                _entries.TryRemove(new KeyValuePair<string, Entry>(stale, entry));
            }
        }

        if (_entries.Count >= MaxEntries || !_entries.TryAdd(key, new Entry(answers, now + lifetime)))
        {
            return false;
        }

        // A failure nobody takes is still observed (the head start logs its own).
        answers.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return true;
    }

    /// <summary>The answers kept for the query <paramref name="key"/> (removed: given once), or null when none are, or they came too long ago.</summary>
    public Task<IReadOnlyList<DicomDataset>>? Take(string key) =>
        _entries.TryRemove(key, out var entry) && entry.Until > clock.GetUtcNow() ? entry.Answers : null;

    private sealed record Entry(Task<IReadOnlyList<DicomDataset>> Answers, DateTimeOffset Until);
}
