using System.Text;
using System.Text.RegularExpressions;
using ImagePortal.Dicom.Data;

namespace ImagePortal.Dicom.Archive;

/// <summary>The query/retrieve levels of PS3.4 C.3, in hierarchical order.</summary>
public enum QueryLevel
{
    Patient,
    Study,
    Series,
    Image,
}

/// <summary>
/// Which level an attribute belongs to in the Patient Root and Study Root information models
/// (PS3.4 C.6.1.1 and C.6.2.1; Study Root folds the patient attributes into its study level), and the
/// attributes the archive computes rather than reads from an instance.
/// </summary>
public static class QueryLevels
{
    private static readonly HashSet<DicomTag> PatientTags =
    [
        DicomTag.PatientName, DicomTag.PatientID, DicomTag.IssuerOfPatientID, DicomTag.PatientBirthDate, DicomTag.PatientBirthTime,
        DicomTag.PatientSex, DicomTag.OtherPatientIDs, DicomTag.OtherPatientNames, DicomTag.EthnicGroup, DicomTag.PatientComments,
        DicomTag.NumberOfPatientRelatedStudies, DicomTag.NumberOfPatientRelatedSeries, DicomTag.NumberOfPatientRelatedInstances,
    ];

    private static readonly HashSet<DicomTag> StudyTags =
    [
        DicomTag.StudyInstanceUID, DicomTag.StudyDate, DicomTag.StudyTime, DicomTag.AccessionNumber, DicomTag.StudyID,
        DicomTag.ReferringPhysicianName, DicomTag.StudyDescription, DicomTag.ModalitiesInStudy, DicomTag.SOPClassesInStudy,
        DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances, DicomTag.PatientAge, DicomTag.PatientSize,
        DicomTag.PatientWeight, DicomTag.AdmittingDiagnosesDescription, DicomTag.NameOfPhysiciansReadingStudy, DicomTag.Occupation,
        DicomTag.AdditionalPatientHistory, DicomTag.OtherStudyNumbers,
    ];

    private static readonly HashSet<DicomTag> SeriesTags =
    [
        DicomTag.Modality, DicomTag.SeriesInstanceUID, DicomTag.SeriesNumber, DicomTag.SeriesDescription, DicomTag.SeriesDate,
        DicomTag.SeriesTime, DicomTag.BodyPartExamined, DicomTag.Laterality, DicomTag.ProtocolName, DicomTag.InstitutionName,
        DicomTag.InstitutionalDepartmentName, DicomTag.StationName, DicomTag.Manufacturer, DicomTag.PerformingPhysicianName,
        DicomTag.OperatorsName, DicomTag.PerformedProcedureStepStartDate, DicomTag.PerformedProcedureStepStartTime,
        DicomTag.NumberOfSeriesRelatedInstances,
    ];

    /// <summary>Attributes answered from the index rather than from an instance: return keys only (PS3.4 C.3.4).</summary>
    public static IReadOnlySet<DicomTag> Computed { get; } = new HashSet<DicomTag>
    {
        DicomTag.NumberOfPatientRelatedStudies, DicomTag.NumberOfPatientRelatedSeries, DicomTag.NumberOfPatientRelatedInstances,
        DicomTag.NumberOfStudyRelatedSeries, DicomTag.NumberOfStudyRelatedInstances, DicomTag.NumberOfSeriesRelatedInstances,
        DicomTag.ModalitiesInStudy, DicomTag.SOPClassesInStudy, DicomTag.RetrieveAETitle, DicomTag.InstanceAvailability,
    };

    /// <summary>
    /// The level of an attribute; anything not named at a higher level is an instance attribute. Retrieve AE
    /// Title and Instance Availability belong to every level (PS3.4 C.3.4), so they count as the top one.
    /// </summary>
    public static QueryLevel Of(DicomTag tag) =>
        PatientTags.Contains(tag) || tag == DicomTag.RetrieveAETitle || tag == DicomTag.InstanceAvailability ? QueryLevel.Patient
        : StudyTags.Contains(tag) ? QueryLevel.Study
        : SeriesTags.Contains(tag) ? QueryLevel.Series
        : QueryLevel.Image;

    /// <summary>The unique key of a level (PS3.4 C.2.1.1.1).</summary>
    public static DicomTag UniqueKey(QueryLevel level) => level switch
    {
        QueryLevel.Patient => DicomTag.PatientID,
        QueryLevel.Study => DicomTag.StudyInstanceUID,
        QueryLevel.Series => DicomTag.SeriesInstanceUID,
        _ => DicomTag.SOPInstanceUID,
    };

    /// <summary>Reads (0008,0052); Study Root has no PATIENT level (PS3.4 C.6.2).</summary>
    public static QueryLevel Parse(string? value, bool studyRoot)
    {
        var level = value?.Trim() switch
        {
            "PATIENT" => QueryLevel.Patient,
            "STUDY" => QueryLevel.Study,
            "SERIES" => QueryLevel.Series,
            "IMAGE" => QueryLevel.Image,
            null or "" => throw new InvalidDataException("The identifier has no Query/Retrieve Level (0008,0052)."),
            var other => throw new InvalidDataException($"Unknown Query/Retrieve Level '{other}'."),
        };
        if (studyRoot && level == QueryLevel.Patient)
        {
            throw new InvalidDataException("Study Root has no PATIENT level (PS3.4 C.6.2).");
        }

        return level;
    }
}

/// <summary>
/// One matching key of a C-FIND identifier, compiled once per query. Attribute matching of PS3.4 C.2.2.2:
/// single value, universal (empty or "*"), wildcard ('*' and '?'), range (DA, TM, DT: "a-b", "-b", "a-"),
/// and list of UIDs. Person names match without regard to case (C.2.2.2.1 allows it, and people type names
/// in any case); every other text matches case-sensitively. Leading and trailing spaces are insignificant.
/// A multi-valued key matches when any of its values does, and so does a multi-valued instance attribute;
/// an instance without the attribute, or with it empty, matches only a universal key.
/// </summary>
public sealed class KeyMatcher
{
    private readonly DicomVR _vr;
    private readonly Func<string, bool>[] _alternatives;

    private KeyMatcher(DicomTag tag, DicomVR vr, Func<string, bool>[] alternatives)
    {
        Tag = tag;
        _vr = vr;
        _alternatives = alternatives;
    }

    public DicomTag Tag { get; }

    /// <summary>The matcher of <paramref name="key"/>, or null when it is universal (matches anything: C.2.2.2.3).</summary>
    public static KeyMatcher? Create(DicomDataset keys, DicomItem key)
    {
        if (key is not DicomElement element || element.Length == 0 || element.VR.Kind != DicomVRKind.Text)
        {
            // Sequence matching (C.2.2.2.6) is not offered, and binary keys cannot express a match: both are return keys.
            return null;
        }

        var values = keys.GetStrings(key.Tag).Select(v => v.Trim()).ToArray();
        if (values.Length == 0 || values.All(v => v.Length == 0 || v.All(c => c == '*')))
        {
            return null;
        }

        return new KeyMatcher(key.Tag, element.VR, values.Select(v => Compile(element.VR, v)).ToArray());
    }

    /// <summary>Whether the instance's values of this attribute match.</summary>
    public bool Matches(DicomDataset instance)
    {
        if (instance.Find(Tag) is not DicomElement { Length: > 0 } element || element.VR.Kind != DicomVRKind.Text)
        {
            return false;
        }

        return Matches(instance.GetStrings(Tag));
    }

    /// <summary>Whether any of <paramref name="instanceValues"/> matches any alternative of the key.</summary>
    public bool Matches(IEnumerable<string> instanceValues)
    {
        foreach (var raw in instanceValues)
        {
            var value = _vr == DicomVR.PN ? TrimEmptyComponents(raw.Trim()) : raw.Trim();
            if (value.Length == 0)
            {
                continue;
            }

            foreach (var alternative in _alternatives)
            {
                if (alternative(value))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static Func<string, bool> Compile(DicomVR vr, string key)
    {
        if (vr == DicomVR.UI)
        {
            // C.2.2.2.2: UIDs match exactly; a list of them is a list of alternatives.
            return value => string.Equals(key, value, StringComparison.Ordinal);
        }

        if (vr == DicomVR.DA || vr == DicomVR.TM || vr == DicomVR.DT)
        {
            return CompileRange(vr, key);
        }

        var ignoreCase = vr == DicomVR.PN;
        if (ignoreCase)
        {
            key = TrimEmptyComponents(key);
        }

        if (key.Contains('*') || key.Contains('?'))
        {
            var regex = WildcardRegex(key, ignoreCase);
            return regex.IsMatch;
        }

        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return value => string.Equals(key, value, comparison);
    }

    /// <summary>
    /// C.2.2.2.5 range matching. Dates compare as YYYYMMDD text; times and date-times compare at the
    /// precision of the bound, so that an upper bound of "1000" includes 10:00:30 and "2024" matches any
    /// date-time in 2024. UTC offsets of DT values are not compared.
    /// </summary>
    private static Func<string, bool> CompileRange(DicomVR vr, string key)
    {
        key = Normalize(vr, key);
        var dash = key.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return vr == DicomVR.DA
                ? value => string.Equals(key, Normalize(vr, value), StringComparison.Ordinal)
                : value => Normalize(vr, value).StartsWith(key, StringComparison.Ordinal);
        }

        var lower = key[..dash];
        var upper = key[(dash + 1)..];
        return value =>
        {
            value = Normalize(vr, value);
            if (lower.Length > 0 && string.CompareOrdinal(value, lower) < 0)
            {
                return false;
            }

            return upper.Length == 0 || string.CompareOrdinal(value.Length > upper.Length ? value[..upper.Length] : value, upper) <= 0;
        };
    }

    private static string Normalize(DicomVR vr, string text)
    {
        // ACR-NEMA dates ("2024.01.15") and times ("10:15:00") still occur in old archives.
        text = vr == DicomVR.DA ? text.Replace(".", string.Empty, StringComparison.Ordinal) : text.Replace(":", string.Empty, StringComparison.Ordinal);
        if (vr == DicomVR.DT && text.IndexOf('+', StringComparison.Ordinal) is var plus && plus > 0)
        {
            text = text[..plus];
        }

        return text.Trim();
    }

    private static string TrimEmptyComponents(string name)
    {
        // "Doe^John^^^" and "Doe^John" are the same name (PS3.5 6.2.1.1).
        var groups = name.Split('=');
        for (var i = 0; i < groups.Length; i++)
        {
            groups[i] = groups[i].TrimEnd('^', ' ');
        }

        return string.Join('=', groups).TrimEnd('=');
    }

    private static Regex WildcardRegex(string pattern, bool ignoreCase)
    {
        var builder = new StringBuilder("^");
        foreach (var c in pattern)
        {
            builder.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        builder.Append('$');
        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new Regex(builder.ToString(), options, TimeSpan.FromMilliseconds(100));
    }
}
