using ImagePortal.Dicom.Data;

namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// A Study Root C-FIND identifier (PS3.4 C.6.2) asked as QIDO-RS (PS3.18 §10.6): the level (0008,0052) chooses the
/// resource (<c>studies</c>, <c>studies/{uid}/series</c>, <c>studies/{uid}/series/{uid}/instances</c>), every key with a
/// value becomes a match parameter with the same matching rules (wildcards, date ranges: PS3.18 §8.3.4), and every empty
/// key a return key (<c>includefield</c>). So a caller written for C-FIND asks a DICOMweb node the same question.
/// </summary>
public static class QidoSearch
{
    /// <summary>The answers to <paramref name="keys"/>, at most <paramref name="limit"/> when it is given.</summary>
    public static IAsyncEnumerable<DicomDataset> FindAsync(DicomWebClient client, DicomDataset keys, int? limit, CancellationToken cancellationToken)
    {
        var level = keys.GetString(DicomTag.QueryRetrieveLevel)?.Trim().ToUpperInvariant() ?? "STUDY";
        var studyUids = keys.GetStrings(DicomTag.StudyInstanceUID).Where(u => u.Length > 0).ToArray();
        var seriesUids = keys.GetStrings(DicomTag.SeriesInstanceUID).Where(u => u.Length > 0).ToArray();
        // A single study (and series) is the resource's path; a list of them stays a match key (UID list matching).
        var study = level is "SERIES" or "IMAGE" && studyUids.Length == 1 ? studyUids[0] : null;
        var series = level == "IMAGE" && study is not null && seriesUids.Length == 1 ? seriesUids[0] : null;
        var inPath = new List<DicomTag>();
        if (study is not null)
        {
            inPath.Add(DicomTag.StudyInstanceUID);
        }

        if (series is not null)
        {
            inPath.Add(DicomTag.SeriesInstanceUID);
        }

        var query = Query(keys, inPath, limit);
        return level switch
        {
            "STUDY" => client.SearchStudiesAsync(query, cancellationToken),
            "SERIES" => client.SearchSeriesAsync(study, query, cancellationToken),
            "IMAGE" => client.SearchInstancesAsync(study, series, query, cancellationToken),
            _ => throw new ArgumentException($"Query/Retrieve Level '{level}' cannot be asked by QIDO-RS.", nameof(keys)),
        };
    }

    /// <summary>The match and return keys of <paramref name="keys"/>, but those the resource path already names.</summary>
    public static DicomWebQuery Query(DicomDataset keys, IReadOnlyCollection<DicomTag> inPath, int? limit)
    {
        var match = new Dictionary<string, string>(StringComparer.Ordinal);
        var include = new List<string>();
        foreach (var item in keys)
        {
            if (item is not DicomElement || item.Tag == DicomTag.QueryRetrieveLevel || item.Tag == DicomTag.SpecificCharacterSet || inPath.Contains(item.Tag))
            {
                continue;
            }

            var name = item.Tag.Keyword ?? $"{item.Tag.Group:X4}{item.Tag.Element:X4}";
            var values = keys.GetStrings(item.Tag).Select(v => v.Trim()).Where(v => v.Length > 0).ToArray();
            if (values.Length == 0)
            {
                include.Add(name);
            }
            else
            {
                // PS3.18 §8.3.4.1: a list of UIDs is separated by commas; other multiple values keep DICOM's backslash.
                match[name] = string.Join(item.VR == DicomVR.UI ? ',' : '\\', values);
            }
        }

        return new DicomWebQuery { Match = match, IncludeFields = include, Limit = limit };
    }
}
