using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The viewer page's head start. While the prerendered page travels to the browser and its early script loads (0.3-0.7 s
/// measured), the portal asks the PACS what that script will ask first, in its order: the study's series, the opened
/// series' instances (kept in <see cref="PacsAnswersAhead"/> for the script's own calls, which check the user's access
/// and filter the answers as always), then fetches the series' middle image into the viewing cache, the first image the
/// viewer shows, and then the rest of the series, which the viewer asks for next (its metadata and frames: the page's
/// calls join that retrieve rather than wait for the page to load before it starts). Started only for a user the page
/// has let view the study; a head start that fails costs nothing but its log line: the page's calls ask for themselves.
/// </summary>
public sealed class ViewerHeadStart(
    PacsQueries queries, PacsAnswersAhead ahead, InstanceFetcher fetcher, IOptionsMonitor<ViewingSettings> settings, ILogger<ViewerHeadStart> logger)
{
    /// <summary>
    /// Starts the head start for <paramref name="study"/> (the series <paramref name="seriesUid"/> names, else the first by
    /// number, as the viewer picks); <paramref name="allowed"/> is a clerk's ledger of the study, null for an approver.
    /// Returns the work (tests wait for it); the page does not.
    /// </summary>
    public Task Begin(ViewableStudy study, string? seriesUid, IReadOnlySet<string>? allowed) =>
        settings.CurrentValue.HeadStartLifetime > TimeSpan.Zero ? RunAsync(study, seriesUid, allowed) : Task.CompletedTask;

    private async Task RunAsync(ViewableStudy study, string? seriesUid, IReadOnlySet<string>? allowed)
    {
        await Task.Yield();
        try
        {
            var series = await AheadAsync(study.Node, PacsQueries.SeriesQuery(study.StudyUid), answers => Wanted(answers, study.StudyUid, seriesUid));
            if (series is null)
            {
                return;
            }

            var stack = await AheadAsync(study.Node, PacsQueries.InstancesQuery(study.StudyUid, series, null), answers => Stack(answers, study.StudyUid, series, allowed));
            if (stack is not null)
            {
                // Into the cache: the page's calls for its metadata and frames find them there, or join these fetches.
                await Task.WhenAll(fetcher.Start(study.Node, [stack.Middle]));
                await Task.WhenAll(fetcher.Start(study.Node, stack.Instances, stack.WholeSeries));
            }
        }
        catch (Exception error)
        {
            logger.LogDebug(error, "The viewer's head start for study {Study} failed; the page asks for itself", study.StudyUid);
        }
    }

    /// <summary>
    /// Asks the PACS, keeping the answers for the page's calls (given to them once <paramref name="read"/> has read them:
    /// the taker changes them); null when the same query waits already (another view of the study) or none is kept.
    /// </summary>
    private async Task<T?> AheadAsync<T>(DicomNode node, DicomDataset keys, Func<IReadOnlyList<DicomDataset>, T?> read)
        where T : class
    {
        var kept = new TaskCompletionSource<IReadOnlyList<DicomDataset>>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!ahead.Offer(PacsAnswersAhead.KeyOf(node.Id, keys), kept.Task))
        {
            return null;
        }

        IReadOnlyList<DicomDataset> answers;
        try
        {
            answers = await queries.FindAheadAsync(node, keys, CancellationToken.None);
        }
        catch (Exception error)
        {
            kept.SetException(error);
            throw;
        }

        try
        {
            return read(answers);
        }
        finally
        {
            kept.SetResult(answers);
        }
    }

    /// <summary>The series the viewer opens (viewer-src stackOrder.js wantedSeries): the one named, else the first by Series Number.</summary>
    private static string? Wanted(IReadOnlyList<DicomDataset> answers, string studyUid, string? named)
    {
        var series = answers
            .Where(a => (a.GetUid(DicomTag.StudyInstanceUID) ?? studyUid) == studyUid && a.GetUid(DicomTag.SeriesInstanceUID) is { Length: > 0 })
            .OrderBy(a => Number(a, DicomTag.SeriesNumber))
            .Select(a => a.GetUid(DicomTag.SeriesInstanceUID)!)
            .ToList();
        return series.FirstOrDefault(s => s == named) ?? series.FirstOrDefault();
    }

    /// <summary>
    /// The series' instances the user may view, in Instance Number order; the image the viewer shows first among them; and
    /// whether they are all the PACS named (the fetch may then retrieve the series whole).
    /// </summary>
    private sealed record SeriesStack(InstanceKey Middle, IReadOnlyList<InstanceKey> Instances, bool WholeSeries);

    /// <summary>The opened series' stack, its first image the middle frame in Instance Number order (stackOrder.js middleOf); null when it has none.</summary>
    private static SeriesStack? Stack(IReadOnlyList<DicomDataset> answers, string studyUid, string seriesUid, IReadOnlySet<string>? allowed)
    {
        var ordered = answers
            .Where(a => PacsQueries.IsViewable(a, studyUid, seriesUid, null, allowed))
            .OrderBy(a => Number(a, DicomTag.InstanceNumber))
            .ToList();
        var keys = ordered.Select(a => PacsQueries.KeyOf(a, studyUid, seriesUid)).ToList();
        var frames = ordered.Select(a => Math.Max(1, Number(a, DicomTag.NumberOfFrames))).ToList();
        var index = frames.Sum() / 2;
        for (var i = 0; i < ordered.Count; i++)
        {
            if (index < frames[i])
            {
                return new SeriesStack(keys[i], keys, ordered.Count == answers.Count);
            }

            index -= frames[i];
        }

        return null;
    }

    private static long Number(DicomDataset answer, DicomTag tag) =>
        long.TryParse(answer.GetString(tag)?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
