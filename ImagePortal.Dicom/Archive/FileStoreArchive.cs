// Over 400 lines: one archive serves C-STORE, C-FIND, C-GET and C-MOVE over one in-memory index and its lock; the
// attribute matching is in QueryMatching.cs, the file writing in Network/ReceivedFile.cs.
using System.Globalization;
using System.Runtime.CompilerServices;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Dicom.Archive;

/// <summary>
/// A query/retrieve archive over a folder of Part 10 files: C-STORE writes into the folder, C-FIND answers
/// at PATIENT, STUDY, SERIES and IMAGE level for Patient Root and Study Root (PS3.4 C.6.1, C.6.2), C-GET
/// and C-MOVE send studies, series or instances. Serve it with <see cref="DicomServer"/>:
/// <c>new DicomServer(options) { Store = archive, Find = archive, Get = archive, Move = archive }</c>.
/// <para>
/// The index lives in memory: built by reading every file's header up to Pixel Data when the archive
/// opens, and updated on each store. It holds the short top-level attributes of each instance (no
/// sequences, no bulk data), so a query never opens a file and a retrieve opens each file only while it
/// is being sent. It is safe to use from many associations at once.
/// </para>
/// </summary>
public sealed partial class FileStoreArchive : IDicomStoreProvider, IDicomFindProvider, IDicomGetProvider, IDicomMoveProvider
{
    /// <summary>Attribute values longer than this stay out of the index (they are not query keys).</summary>
    private const int MaxIndexedValueLength = 1024;

    private static readonly DicomReaderOptions HeaderOnly = new() { StopAtTag = DicomTag.PixelData, LargeValueThreshold = MaxIndexedValueLength };

    private readonly object _gate = new();
    private readonly Dictionary<string, ArchivedInstance> _bySopInstance = new(StringComparer.Ordinal);
    private readonly Func<string, DicomDestination?> _destinations;
    private readonly ILogger _logger;
    private ArchivedInstance[]? _snapshot;

    private FileStoreArchive(string folder, string aeTitle, Func<string, DicomDestination?>? destinations, ILogger? logger)
    {
        Folder = Directory.CreateDirectory(folder).FullName;
        AeTitle = aeTitle;
        _destinations = destinations ?? (_ => null);
        _logger = logger ?? NullLogger.Instance;
    }

    public string Folder { get; }

    /// <summary>Answered as Retrieve AE Title (0008,0054) when a query asks for it.</summary>
    public string AeTitle { get; }

    public int InstanceCount
    {
        get
        {
            lock (_gate)
            {
                return _bySopInstance.Count;
            }
        }
    }

    /// <summary>Files that could not be indexed when the archive opened (not DICOM, or damaged); they are left where they are.</summary>
    public int SkippedFiles { get; private set; }

    /// <summary>
    /// Opens the archive over <paramref name="folder"/> (created when missing), indexing every <c>*.dcm</c>
    /// file below it. <paramref name="destinations"/> maps a C-MOVE destination AE title to where it
    /// listens; null, or a null answer, refuses the move with A801 (PS3.4 C.4.2.1.5).
    /// </summary>
    public static FileStoreArchive Open(string folder, string aeTitle, Func<string, DicomDestination?>? destinations = null, ILogger? logger = null)
    {
        var archive = new FileStoreArchive(folder, aeTitle, destinations, logger);
        archive.Scan();
        return archive;
    }

    private void Scan()
    {
        foreach (var leftover in Directory.EnumerateFiles(Folder, "*.partial", SearchOption.AllDirectories))
        {
            // A store interrupted by a crash: never indexed, never complete.
            TryDelete(leftover);
        }

        var skipped = 0;
        foreach (var path in Directory.EnumerateFiles(Folder, "*.dcm", SearchOption.AllDirectories))
        {
            var instance = TryIndex(path);
            if (instance is null)
            {
                skipped++;
                continue;
            }

            _bySopInstance[instance.Header.SopInstanceUid] = instance;
        }

        SkippedFiles = skipped;
        LogOpened(_logger, Folder, _bySopInstance.Count, skipped);
    }

    private ArchivedInstance? TryIndex(string path)
    {
        try
        {
            var file = DicomFile.Open(path, HeaderOnly);
            return ArchivedInstance.From(path, file);
        }
        catch (Exception error) when (error is DicomFormatException or InvalidDataException or IOException or FormatException or ArgumentException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogSkipped(_logger, path, error.Message);
            return null;
        }
    }

    private ArchivedInstance[] Snapshot()
    {
        lock (_gate)
        {
            return _snapshot ??= [.. _bySopInstance.Values];
        }
    }

    // ---- C-STORE ----------------------------------------------------------------------------------------

    /// <summary>
    /// Streams the instance into a temporary file named by a generated id (never by a value from the data set),
    /// checks its header, then renames it into place and indexes it. A later instance with the same SOP
    /// Instance UID replaces the earlier one.
    /// </summary>
    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var partial = Path.Combine(Folder, id + ".partial");
        var final = Path.Combine(Folder, id + ".dcm");
        await ReceivedFile.WriteNewAsync(instance, partial, cancellationToken).ConfigureAwait(false);

        var indexed = TryIndex(partial);
        if (indexed is null || indexed.Header.SopInstanceUid != instance.SopInstanceUid)
        {
            TryDelete(partial);
            LogRefused(_logger, instance.SopInstanceUid);
            return DimseStatus.UnableToProcess;
        }

        File.Move(partial, final);
        indexed = indexed with { Path = final };
        ArchivedInstance? replaced;
        lock (_gate)
        {
            _bySopInstance.TryGetValue(indexed.Header.SopInstanceUid, out replaced);
            _bySopInstance[indexed.Header.SopInstanceUid] = indexed;
            _snapshot = null;
        }

        if (replaced is not null)
        {
            TryDelete(replaced.Path);
        }

        return DimseStatus.Success;
    }

    // ---- C-FIND -----------------------------------------------------------------------------------------

    public async IAsyncEnumerable<byte[]> FindAsync(QueryRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = request.ParseIdentifier();
        foreach (var match in Find(keys, IsStudyRoot(request.SopClassUid)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return request.Encode(match);
            await Task.Yield();
        }
    }

    /// <summary>
    /// The matches of a C-FIND identifier, one data set per patient, study, series or instance at the
    /// identifier's level, each with the requested keys only (empty where the archive has no value), the
    /// level's unique key, and the Specific Character Set its values are encoded in.
    /// </summary>
    public IEnumerable<DicomDataset> Find(DicomDataset keys, bool studyRoot)
    {
        var level = QueryLevels.Parse(keys.GetString(DicomTag.QueryRetrieveLevel), studyRoot);
        var matchers = new List<KeyMatcher>();
        KeyMatcher? modalitiesInStudy = null;
        foreach (var key in keys)
        {
            if (key.Tag == DicomTag.QueryRetrieveLevel || key.Tag == DicomTag.SpecificCharacterSet || key.Tag.Group == 0x0002 || QueryLevels.Of(key.Tag) > level)
            {
                continue;
            }

            var matcher = KeyMatcher.Create(keys, key);
            if (matcher is null)
            {
                continue;
            }

            if (key.Tag == DicomTag.ModalitiesInStudy)
            {
                modalitiesInStudy = matcher;
            }
            else if (!QueryLevels.Computed.Contains(key.Tag))
            {
                matchers.Add(matcher);
            }
        }

        var uniqueKey = QueryLevels.UniqueKey(level);
        var groups = new Dictionary<string, List<ArchivedInstance>>(StringComparer.Ordinal);
        foreach (var instance in Snapshot())
        {
            if (!matchers.TrueForAll(m => m.Matches(instance.Attributes)))
            {
                continue;
            }

            var id = instance.KeyAt(level);
            if (!groups.TryGetValue(id, out var members))
            {
                groups[id] = members = [];
            }

            members.Add(instance);
        }

        foreach (var members in groups.Values.OrderBy(g => g[0].SortKey(level), StringComparer.Ordinal))
        {
            if (modalitiesInStudy is not null && !modalitiesInStudy.Matches(members.Select(m => m.Modality)))
            {
                continue;
            }

            yield return Answer(keys, level, uniqueKey, members);
        }
    }

    private DicomDataset Answer(DicomDataset keys, QueryLevel level, DicomTag uniqueKey, List<ArchivedInstance> members)
    {
        var first = members[0].Attributes;
        var answer = new DicomDataset();
        if (first.Find(DicomTag.SpecificCharacterSet) is { } characterSet)
        {
            answer.Add(characterSet);
        }

        answer.SetString(DicomTag.QueryRetrieveLevel, level.ToString().ToUpperInvariant());
        if (first.Find(uniqueKey) is { } unique)
        {
            answer.Add(unique);
        }

        foreach (var key in keys)
        {
            var tag = key.Tag;
            if (tag == DicomTag.QueryRetrieveLevel || tag == DicomTag.SpecificCharacterSet || tag == uniqueKey || tag.Group == 0x0002 || QueryLevels.Of(tag) > level)
            {
                continue;
            }

            if (Computed(tag, members) is { } computed)
            {
                answer.SetString(tag, computed);
            }
            else if (first.Find(tag) is { } value)
            {
                answer.Add(value);
            }
            else if (key is DicomSequence)
            {
                answer.Add(new DicomSequence(tag));
            }
            else
            {
                // PS3.4 C.4.1.1.3.2: a requested key the archive has no value for is returned empty.
                answer.Add(new DicomElement(tag, key.VR, DicomBuffer.Empty));
            }
        }

        return answer;
    }

    private string? Computed(DicomTag tag, List<ArchivedInstance> members)
    {
        static string Count(IEnumerable<string> values) => values.Distinct(StringComparer.Ordinal).Count().ToString(CultureInfo.InvariantCulture);

        if (tag == DicomTag.NumberOfPatientRelatedStudies || tag == DicomTag.NumberOfPatientRelatedSeries)
        {
            return Count(members.Select(m => tag == DicomTag.NumberOfPatientRelatedStudies ? m.StudyInstanceUid : m.SeriesInstanceUid));
        }

        if (tag == DicomTag.NumberOfStudyRelatedSeries)
        {
            return Count(members.Select(m => m.SeriesInstanceUid));
        }

        if (tag == DicomTag.NumberOfPatientRelatedInstances || tag == DicomTag.NumberOfStudyRelatedInstances || tag == DicomTag.NumberOfSeriesRelatedInstances)
        {
            return members.Count.ToString(CultureInfo.InvariantCulture);
        }

        if (tag == DicomTag.ModalitiesInStudy)
        {
            return string.Join('\\', members.Select(m => m.Modality).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }

        if (tag == DicomTag.SOPClassesInStudy)
        {
            return string.Join('\\', members.Select(m => m.Header.SopClassUid).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }

        if (tag == DicomTag.RetrieveAETitle)
        {
            return AeTitle;
        }

        return tag == DicomTag.InstanceAvailability ? "ONLINE" : null;
    }

    // ---- C-GET and C-MOVE -------------------------------------------------------------------------------

    /// <summary>
    /// PS3.4 C.4.2.1.4 / C.4.3.1.4: the identifier names what to send by the unique key of its level (a list of
    /// UIDs allowed) and may narrow it by the unique keys above. Files are opened one at a time, when sent.
    /// </summary>
    public Task<IReadOnlyList<RetrieveInstance>> ResolveAsync(QueryRequest request, CancellationToken cancellationToken)
    {
        var keys = request.ParseIdentifier();
        return Task.FromResult(Resolve(keys, IsStudyRoot(request.SopClassUid)));
    }

    public IReadOnlyList<RetrieveInstance> Resolve(DicomDataset keys, bool studyRoot)
    {
        var level = QueryLevels.Parse(keys.GetString(DicomTag.QueryRetrieveLevel), studyRoot);
        var filters = new List<(DicomTag Tag, HashSet<string> Values)>();
        foreach (var current in Enum.GetValues<QueryLevel>().Where(l => l <= level && !(studyRoot && l == QueryLevel.Patient)))
        {
            var tag = QueryLevels.UniqueKey(current);
            var values = keys.GetStrings(tag).Select(v => v.Trim()).Where(v => v.Length > 0).ToHashSet(StringComparer.Ordinal);
            if (values.Count == 0)
            {
                if (current == level)
                {
                    throw new InvalidDataException($"A {level.ToString().ToUpperInvariant()} level retrieve needs {tag.Keyword} ({tag}).");
                }

                continue;
            }

            filters.Add((tag, values));
        }

        return Snapshot()
            .Where(i => filters.TrueForAll(f => f.Values.Contains(i.KeyAt(QueryLevelOf(f.Tag)))))
            .OrderBy(i => i.StudyInstanceUid, StringComparer.Ordinal)
            .ThenBy(i => i.SeriesNumber)
            .ThenBy(i => i.SeriesInstanceUid, StringComparer.Ordinal)
            .ThenBy(i => i.InstanceNumber)
            .Select(i => new RetrieveInstance(i.Header.SopClassUid, i.Header.SopInstanceUid, i.Header.TransferSyntaxUid, ct => OpenDataSetAsync(i.Path, ct)))
            .ToList();
    }

    public DicomDestination? ResolveDestination(string aeTitle) => _destinations(aeTitle);

    private static QueryLevel QueryLevelOf(DicomTag uniqueKey) =>
        uniqueKey == DicomTag.PatientID ? QueryLevel.Patient
        : uniqueKey == DicomTag.StudyInstanceUID ? QueryLevel.Study
        : uniqueKey == DicomTag.SeriesInstanceUID ? QueryLevel.Series
        : QueryLevel.Image;

    private static async Task<Stream> OpenDataSetAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        try
        {
            await Part10Header.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static bool IsStudyRoot(string sopClassUid) =>
        sopClassUid is DicomNetworkUids.StudyRootFind or DicomNetworkUids.StudyRootGet or DicomNetworkUids.StudyRootMove;

    private static void TryDelete(string path) => ReceivedFile.TryDelete(path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive {Folder}: {Count} instances indexed, {Skipped} files skipped")]
    private static partial void LogOpened(ILogger logger, string folder, int count, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not indexed: {Path}: {Error}")]
    private static partial void LogSkipped(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused instance {SopInstanceUid}: its data set cannot be read or names another instance")]
    private static partial void LogRefused(ILogger logger, string sopInstanceUid);

    /// <summary>One instance in the index: where its file is and its short attributes.</summary>
    private sealed record ArchivedInstance(
        string Path,
        Part10Header Header,
        DicomDataset Attributes,
        string PatientId,
        string StudyInstanceUid,
        string SeriesInstanceUid,
        string Modality,
        int SeriesNumber,
        int InstanceNumber)
    {
        public static ArchivedInstance From(string path, DicomFile file)
        {
            var dataset = file.Dataset;
            var attributes = new DicomDataset(dataset.Where(item =>
                item is DicomElement element && element.Length <= MaxIndexedValueLength && item.Tag.Group != 0x0002 && item.Tag.Group < 0x7FE0));
            var sopInstance = dataset.GetUid(DicomTag.SOPInstanceUID) ?? throw new InvalidDataException("No SOP Instance UID (0008,0018).");
            var sopClass = dataset.GetUid(DicomTag.SOPClassUID) ?? throw new InvalidDataException("No SOP Class UID (0008,0016).");
            var header = new Part10Header(sopClass, sopInstance, file.TransferSyntax.Uid);
            return new ArchivedInstance(
                path,
                header,
                attributes,
                dataset.GetString(DicomTag.PatientID)?.Trim() ?? string.Empty,
                dataset.GetUid(DicomTag.StudyInstanceUID) ?? throw new InvalidDataException("No Study Instance UID (0020,000D)."),
                dataset.GetUid(DicomTag.SeriesInstanceUID) ?? throw new InvalidDataException("No Series Instance UID (0020,000E)."),
                dataset.GetString(DicomTag.Modality)?.Trim() ?? string.Empty,
                SafeInteger(dataset, DicomTag.SeriesNumber),
                SafeInteger(dataset, DicomTag.InstanceNumber));
        }

        public string KeyAt(QueryLevel level) => level switch
        {
            QueryLevel.Patient => PatientId,
            QueryLevel.Study => StudyInstanceUid,
            QueryLevel.Series => SeriesInstanceUid,
            _ => Header.SopInstanceUid,
        };

        /// <summary>Answers come in a stable order: patients by ID, studies by date, series and images by number.</summary>
        public string SortKey(QueryLevel level) => level switch
        {
            QueryLevel.Patient => PatientId,
            QueryLevel.Study => (Attributes.GetString(DicomTag.StudyDate) ?? string.Empty) + StudyInstanceUid,
            QueryLevel.Series => SeriesNumber.ToString("D10", CultureInfo.InvariantCulture) + SeriesInstanceUid,
            _ => SeriesInstanceUid + InstanceNumber.ToString("D10", CultureInfo.InvariantCulture),
        };

        private static int SafeInteger(DicomDataset dataset, DicomTag tag)
        {
            try
            {
                return dataset.GetIntegerString(tag) ?? 0;
            }
            catch (FormatException)
            {
                return 0;
            }
        }
    }
}
