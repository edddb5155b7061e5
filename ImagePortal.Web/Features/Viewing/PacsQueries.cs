using System.Globalization;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// The viewer's C-FINDs (the QIDO-RS answers, PS3.18 10.6.3.3: the attributes each level returns by default), each under
/// <see cref="ViewingSettings.PacsTimeout"/>. A PACS's answers are hostile until checked: those that do not belong to the
/// study or series asked for are dropped, so a PACS that ignores a key cannot widen what the user sees. A query the
/// viewer page's head start has asked already (<see cref="PacsAnswersAhead"/>) takes its answers instead of asking again.
/// </summary>
public sealed class PacsQueries(IPacsInstanceSource pacs, IOptionsMonitor<ViewingSettings> settings, PacsAnswersAhead ahead)
{
    private static readonly DicomTag[] StudyKeys =
    [
        DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.ModalitiesInStudy, DicomTag.ReferringPhysicianName,
        DicomTag.PatientName, DicomTag.PatientID, DicomTag.PatientBirthDate, DicomTag.PatientSex, DicomTag.StudyID, DicomTag.StudyDescription,
        DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances,
    ];

    private static readonly DicomTag[] SeriesKeys =
    [
        DicomTag.Modality, DicomTag.SeriesNumber, DicomTag.SeriesDescription, DicomTag.SeriesDate, DicomTag.SeriesTime,
        DicomTag.BodyPartExamined, DicomTag.NumberOfSeriesRelatedInstances,
    ];

    private static readonly DicomTag[] InstanceKeys =
    [
        DicomTag.SOPClassUID, DicomTag.InstanceNumber, DicomTag.NumberOfFrames,
    ];

    /// <summary>Binary (US) return keys: an empty value of their own VR.</summary>
    private static readonly DicomTag[] UnsignedShortKeys = [DicomTag.Rows, DicomTag.Columns, DicomTag.BitsAllocated];

    /// <summary>The studies of <paramref name="studies"/> the PACS holds (UID list matching, PS3.4 C.2.2.2.2), one C-FIND per node.</summary>
    public async Task<List<DicomDataset>> StudiesAsync(IEnumerable<ViewableStudy> studies, CancellationToken cancellationToken)
    {
        var answers = new List<DicomDataset>();
        foreach (var node in studies.GroupBy(s => s.Node.Id))
        {
            var uids = node.Select(s => s.StudyUid).ToHashSet(StringComparer.Ordinal);
            var keys = Keys("STUDY", StudyKeys);
            keys.SetStrings(DicomTag.StudyInstanceUID, [.. uids]);
            answers.AddRange((await FindAsync(node.First().Node, keys, cancellationToken)).Where(a => uids.Contains(a.GetUid(DicomTag.StudyInstanceUID) ?? "")));
        }

        return answers;
    }

    /// <summary>
    /// The series of a study. With <paramref name="allowed"/> (a clerk's ledger), only the series that hold an instance it
    /// lists, each counted by those instances (one C-FIND of its instances a series): a clerk is not shown a series of
    /// which nothing was imported, nor a count of images they cannot open.
    /// </summary>
    public async Task<List<DicomDataset>> SeriesAsync(ViewableStudy study, IReadOnlySet<string>? allowed, CancellationToken cancellationToken)
    {
        var answers = await FindAsync(study.Node, SeriesQuery(study.StudyUid), cancellationToken);
        var series = answers.Where(a => a.GetUid(DicomTag.StudyInstanceUID) is null || a.GetUid(DicomTag.StudyInstanceUID) == study.StudyUid)
            .Where(a => a.GetUid(DicomTag.SeriesInstanceUID) is { Length: > 0 })
            .Select(a => WithStudy(a, study.StudyUid))
            .ToList();
        if (allowed is null)
        {
            return series;
        }

        var shown = new List<DicomDataset>(series.Count);
        foreach (var answer in series)
        {
            var instances = await InstancesAsync(study, answer.GetUid(DicomTag.SeriesInstanceUID)!, null, allowed, cancellationToken);
            if (instances.Count > 0)
            {
                answer.SetString(DicomTag.NumberOfSeriesRelatedInstances, instances.Count.ToString(CultureInfo.InvariantCulture));
                shown.Add(answer);
            }
        }

        return shown;
    }

    /// <summary>The instances of a series (or the one instance <paramref name="sopInstanceUid"/>), of those <paramref name="allowed"/> lists when it is not null.</summary>
    public async Task<List<DicomDataset>> InstancesAsync(
        ViewableStudy study, string seriesUid, string? sopInstanceUid, IReadOnlySet<string>? allowed, CancellationToken cancellationToken) =>
        (await AnswersAsync(study, seriesUid, sopInstanceUid, allowed, cancellationToken)).Shown;

    /// <summary>
    /// The instances of a series, of those <paramref name="allowed"/> lists when it is not null, and whether they are the
    /// whole series: every answer the PACS gave for it (none left out as not allowed, or as naming another series).
    /// </summary>
    public async Task<(List<DicomDataset> Instances, bool WholeSeries)> SeriesInstancesAsync(
        ViewableStudy study, string seriesUid, IReadOnlySet<string>? allowed, CancellationToken cancellationToken)
    {
        var (shown, answered) = await AnswersAsync(study, seriesUid, null, allowed, cancellationToken);
        return (shown, shown.Count == answered);
    }

    private async Task<(List<DicomDataset> Shown, int Answered)> AnswersAsync(
        ViewableStudy study, string seriesUid, string? sopInstanceUid, IReadOnlySet<string>? allowed, CancellationToken cancellationToken)
    {
        var answers = await FindAsync(study.Node, InstancesQuery(study.StudyUid, seriesUid, sopInstanceUid), cancellationToken);
        return ([.. answers
            .Where(a => IsViewable(a, study.StudyUid, seriesUid, sopInstanceUid, allowed))
            .Select(a => WithStudy(a, study.StudyUid))], answers.Count);
    }

    /// <summary>
    /// Whether an IMAGE-level answer may be shown: of the series asked about (an answer naming another study or series is
    /// the PACS's mistake, not the user's to see), with a SOP Instance UID (the one asked for, if one was), and among those
    /// <paramref name="allowed"/> lists when it is not null.
    /// </summary>
    public static bool IsViewable(DicomDataset answer, string studyUid, string seriesUid, string? sopInstanceUid, IReadOnlySet<string>? allowed) =>
        (answer.GetUid(DicomTag.StudyInstanceUID) ?? studyUid) == studyUid && (answer.GetUid(DicomTag.SeriesInstanceUID) ?? seriesUid) == seriesUid &&
        answer.GetUid(DicomTag.SOPInstanceUID) is { Length: > 0 } sop && (sopInstanceUid is null || sop == sopInstanceUid) && (allowed is null || allowed.Contains(sop));

    /// <summary>What the retrieve needs to know of an answer at IMAGE level.</summary>
    public static InstanceKey KeyOf(DicomDataset answer, string studyUid, string seriesUid) => new(
        studyUid, seriesUid, answer.GetUid(DicomTag.SOPInstanceUID)!, answer.GetUid(DicomTag.SOPClassUID) is { Length: > 0 } sopClass ? sopClass : "1.2.840.10008.5.1.4.1.1.7");

    /// <summary>The C-FIND identifier of a study's series (what <see cref="SeriesAsync"/> asks).</summary>
    public static DicomDataset SeriesQuery(string studyUid)
    {
        var keys = Keys("SERIES", SeriesKeys);
        keys.SetString(DicomTag.StudyInstanceUID, studyUid);
        keys.SetString(DicomTag.SeriesInstanceUID, string.Empty);
        return keys;
    }

    /// <summary>The C-FIND identifier of a series' instances, or of its one instance <paramref name="sopInstanceUid"/> (what <see cref="InstancesAsync"/> asks).</summary>
    public static DicomDataset InstancesQuery(string studyUid, string seriesUid, string? sopInstanceUid)
    {
        var keys = Keys("IMAGE", InstanceKeys);
        foreach (var tag in UnsignedShortKeys)
        {
            keys.SetBytes(tag, DicomVR.US, ReadOnlyMemory<byte>.Empty);
        }

        keys.SetString(DicomTag.StudyInstanceUID, studyUid);
        keys.SetString(DicomTag.SeriesInstanceUID, seriesUid);
        keys.SetString(DicomTag.SOPInstanceUID, sopInstanceUid ?? string.Empty);
        return keys;
    }

    /// <summary>
    /// The PACS's answers to <paramref name="keys"/> as they come, unchecked: for the head start, which keeps them for
    /// the calls that follow (they check and filter them). Under <see cref="ViewingSettings.PacsTimeout"/>.
    /// </summary>
    public Task<IReadOnlyList<DicomDataset>> FindAheadAsync(DicomNode node, DicomDataset keys, CancellationToken cancellationToken) =>
        AskAsync(node, keys, cancellationToken);

    private async Task<IReadOnlyList<DicomDataset>> FindAsync(DicomNode node, DicomDataset keys, CancellationToken cancellationToken)
    {
        if (ahead.Take(PacsAnswersAhead.KeyOf(node.Id, keys)) is { } early)
        {
            try
            {
                return await early.WaitAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The head start's query failed: this call asks for itself, and answers (or fails) as it would have.
            }
        }

        return await AskAsync(node, keys, cancellationToken);
    }

    /// <summary>How many C-FINDs this process sent for the viewer (a test's view of "asked once").</summary>
    public int Asked => _asked;

    private int _asked;

    private async Task<IReadOnlyList<DicomDataset>> AskAsync(DicomNode node, DicomDataset keys, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _asked);
        var timeout = settings.CurrentValue.PacsTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            return await pacs.FindAsync(node, keys, settings.CurrentValue.MaxMatches, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PacsTimeoutException($"{PacsGateway.Describe(node)} did not answer the query within {timeout.TotalSeconds:0} s.");
        }
    }

    private static DicomDataset Keys(string level, IEnumerable<DicomTag> returned)
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        keys.SetString(DicomTag.QueryRetrieveLevel, level);
        keys.SetString(DicomTag.StudyInstanceUID, string.Empty);
        foreach (var tag in returned)
        {
            keys.SetString(tag, string.Empty);
        }

        return keys;
    }

    /// <summary>The answer as the QIDO-RS model gives it: without (0008,0052), with the study it belongs to.</summary>
    private static DicomDataset WithStudy(DicomDataset answer, string studyUid)
    {
        answer.Remove(DicomTag.QueryRetrieveLevel);
        answer.SetString(DicomTag.StudyInstanceUID, studyUid);
        return answer;
    }
}
