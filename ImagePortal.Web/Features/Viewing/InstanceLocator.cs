using ImagePortal.Dicom.Data;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>
/// Finds the cached file of an instance the user may see, fetching it when it is not cached. The cache is keyed by node
/// and SOP Instance UID only, so every file is checked against the path it is served under: an instance of another
/// study or series asked for under an allowed study is refused and alerted, whether it came from the cache or the PACS.
/// </summary>
public sealed class InstanceLocator(InstanceCache cache, InstanceFetcher fetcher, PacsQueries queries, ViewingAccess access)
{
    /// <summary>
    /// The cached file under the SOP Instance UID, fetched when missing; null when the PACS does not hold it in that
    /// series. Not yet checked against the path: the caller that reads the file anyway checks what it read
    /// (<see cref="MatchesAsync"/>), so the file is parsed once.
    /// </summary>
    public async Task<string?> UncheckedFileAsync(ViewableStudy study, string seriesUid, string sopInstanceUid, CancellationToken cancellationToken)
    {
        if (cache.TryGet(study.Node.Id, sopInstanceUid) is { } cached)
        {
            return cached;
        }

        // Being fetched already (the series' retrieve, or the viewer page's head start: each from the PACS's answers for a
        // series): that file, which the caller checks against the path as any other.
        if (fetcher.InFlight(study.Node.Id, sopInstanceUid) is { } fetching)
        {
            return await fetching.WaitAsync(cancellationToken);
        }

        var answers = await queries.InstancesAsync(study, seriesUid, sopInstanceUid, null, cancellationToken);
        return answers.Count == 0
            ? null
            : (await fetcher.GetAsync(study.Node, [PacsQueries.KeyOf(answers[0], study.StudyUid, seriesUid)], cancellationToken))[0];
    }

    /// <summary>Whether a cached file's data set (already read) is the instance the path names; refused and alerted when it is not.</summary>
    public async Task<bool> MatchesAsync(string number, DicomDataset header, string studyUid, string seriesUid, string sopInstanceUid, CancellationToken cancellationToken)
    {
        if (header.GetUid(DicomTag.StudyInstanceUID) == studyUid && header.GetUid(DicomTag.SeriesInstanceUID) == seriesUid
            && header.GetUid(DicomTag.SOPInstanceUID) == sopInstanceUid)
        {
            return true;
        }

        await access.RefuseAsync(number, studyUid, $"instance {sopInstanceUid} belongs to another study or series than the path names", cancellationToken);
        return false;
    }

    /// <summary>
    /// The data set up to its pixel data, as the metadata answers give it: with Available Transfer Syntax UID (0008,3002),
    /// the syntax its frames are sent in (the stored one when encapsulated, else explicit VR little endian, as the frames
    /// route sends native frames), so that a client knows before asking for a frame whether it is compressed.
    /// </summary>
    public static DicomDataset Header(string path)
    {
        var file = DicomFile.Open(path, new DicomReaderOptions { StopAtTag = DicomTag.PixelData });
        var stored = file.FileMetaInformation.GetUid(DicomTag.TransferSyntaxUID) is { } uid ? DicomTransferSyntax.Lookup(uid) : null;
        if (stored is not null)
        {
            file.Dataset.SetString(DicomTag.AvailableTransferSyntaxUID, stored.IsEncapsulated ? stored.Uid : DicomTransferSyntax.ExplicitVRLittleEndian.Uid);
        }

        return file.Dataset;
    }
}
