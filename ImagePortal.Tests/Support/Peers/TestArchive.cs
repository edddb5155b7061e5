using System.Runtime.CompilerServices;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A tiny query/retrieve archive over Part 10 files for tests of our SCP: matches unique keys and
/// patient ID exactly, patient name with '*' wildcards, and returns the requested keys at the requested
/// level (PS3.4 C.2.2). Not the product's archive; just enough to drive DCMTK's findscu/getscu/movescu.
/// </summary>
public sealed class TestArchive : IDicomFindProvider, IDicomGetProvider, IDicomMoveProvider
{
    private readonly List<(string Path, DicomDataset Dataset, Part10Header Header)> _instances = [];
    private readonly Dictionary<string, DicomDestination> _destinations = new(StringComparer.Ordinal);

    public TestArchive(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var dicom = DicomFile.Open(file);
            using var stream = File.OpenRead(file);
            var header = Part10Header.ReadAsync(stream).GetAwaiter().GetResult();
            _instances.Add((file, dicom.Dataset, header));
        }
    }

    /// <summary>Delay before each C-FIND match, so a test can cancel mid-way.</summary>
    public TimeSpan MatchDelay { get; init; }

    /// <summary>Repeat the matches this many times (a long-running C-FIND to cancel).</summary>
    public int Repeat { get; init; } = 1;

    public int CancelledOperations { get; private set; }

    /// <summary>
    /// Answers the optional study-level keys SOP Classes in Study and Number of Study Related Instances (PS3.4 C.6.2.1.2)
    /// the way Orthanc does; without it the archive answers only what its files hold, as DCMTK's dcmqrscp does.
    /// </summary>
    public bool AnswersStudyContents { get; init; }

    /// <summary>With <see cref="AnswersStudyContents"/>, whether the study's Number of Study Related Instances is answered too.</summary>
    public bool CountsInstances { get; init; } = true;

    public void AddDestination(DicomDestination destination) => _destinations[destination.AeTitle] = destination;

    public async IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = request.ParseIdentifier();
        var level = keys.GetString(DicomTag.QueryRetrieveLevel) ?? throw new InvalidOperationException("No Query/Retrieve Level (0008,0052).");
        var unique = UniqueKeyOf(level);
        var seen = new HashSet<string>();
        for (var round = 0; round < Repeat; round++)
        {
            foreach (var (_, dataset, _) in _instances.Where(i => Matches(i.Dataset, keys)))
            {
                if (!seen.Add(round + "/" + dataset.GetString(unique)))
                {
                    continue;
                }

                try
                {
                    await Task.Delay(MatchDelay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    CancelledOperations++;
                    throw;
                }

                var match = new DicomDataset();
                match.SetString(DicomTag.SpecificCharacterSet, dataset.GetString(DicomTag.SpecificCharacterSet) ?? string.Empty);
                match.SetString(DicomTag.QueryRetrieveLevel, level);
                foreach (var key in keys.Where(k => k.Tag != DicomTag.QueryRetrieveLevel && k.Tag != DicomTag.SpecificCharacterSet))
                {
                    if (dataset.Find(key.Tag) is { } value)
                    {
                        match.Add(value);
                    }
                    else if (AnswersStudyContents && level == "STUDY" && key.Tag == DicomTag.SOPClassesInStudy)
                    {
                        match.SetStrings(DicomTag.SOPClassesInStudy, [.. StudyOf(dataset).Select(i => i.GetString(DicomTag.SOPClassUID)!).Distinct()]);
                    }
                    else if (AnswersStudyContents && CountsInstances && level == "STUDY" && key.Tag == DicomTag.NumberOfStudyRelatedInstances)
                    {
                        match.SetString(DicomTag.NumberOfStudyRelatedInstances, StudyOf(dataset).Count().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                yield return request.Encode(match);
            }
        }
    }

    private IEnumerable<DicomDataset> StudyOf(DicomDataset instance) =>
        _instances.Select(i => i.Dataset).Where(d => d.GetString(DicomTag.StudyInstanceUID) == instance.GetString(DicomTag.StudyInstanceUID));

    public Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var keys = request.ParseIdentifier();
        IReadOnlyList<RetrieveInstance> found = _instances
            .Where(i => Matches(i.Dataset, keys))
            .Select(i => new RetrieveInstance(i.Header.SopClassUid, i.Header.SopInstanceUid, i.Header.TransferSyntaxUid, ct => OpenDataSetAsync(i.Path, ct)))
            .ToList();
        return Task.FromResult(found);
    }

    public DicomDestination? ResolveDestination(string aeTitle) => _destinations.GetValueOrDefault(aeTitle);

    /// <summary>A Part 10 file's data set, after its preamble and file meta information.</summary>
    public static async Task<Stream> OpenDataSetAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        await Part10Header.ReadAsync(stream, cancellationToken);
        return stream;
    }

    private static DicomTag UniqueKeyOf(string level) => level switch
    {
        "PATIENT" => DicomTag.PatientID,
        "STUDY" => DicomTag.StudyInstanceUID,
        "SERIES" => DicomTag.SeriesInstanceUID,
        _ => DicomTag.SOPInstanceUID,
    };

    private static bool Matches(DicomDataset instance, DicomDataset keys)
    {
        foreach (var tag in new[] { DicomTag.PatientID, DicomTag.StudyInstanceUID, DicomTag.SeriesInstanceUID, DicomTag.SOPInstanceUID })
        {
            var wanted = keys.GetStrings(tag);
            if (wanted.Length > 0 && !wanted.Contains(instance.GetString(tag)))
            {
                return false;
            }
        }

        var name = keys.GetString(DicomTag.PatientName);
        if (!string.IsNullOrEmpty(name) && name != "*")
        {
            var pattern = "^" + System.Text.RegularExpressions.Regex.Escape(name).Replace("\\*", ".*").Replace("\\?", ".") + "$";
            if (!System.Text.RegularExpressions.Regex.IsMatch(instance.GetString(DicomTag.PatientName) ?? string.Empty, pattern))
            {
                return false;
            }
        }

        return true;
    }
}
