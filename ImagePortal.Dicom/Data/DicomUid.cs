using System.Collections.Frozen;

namespace ImagePortal.Dicom.Data;

/// <summary>What a registered UID names (PS3.6 Table A-1).</summary>
public enum DicomUidType
{
    TransferSyntax,
    SopClass,
    MetaSopClass,
    ApplicationContextName,
}

/// <summary>A registered UID from PS3.6 Table A-1.</summary>
public sealed record DicomUidEntry(string Uid, string Name, string Keyword, DicomUidType Type, bool IsStorage = false, bool IsRetired = false);

/// <summary>
/// UIDs of PS3.6 Table A-1 the portal meets: transfer syntaxes, verification, query/retrieve and the storage SOP
/// classes. A curated list (DCMTK's dcmuid.h is not packaged here), checked against PS3.6 2024. Also validates
/// UID syntax (PS3.5 §9.1).
/// </summary>
public static class DicomUid
{
    public const string ApplicationContext = "1.2.840.10008.3.1.1.1";
    public const string Verification = "1.2.840.10008.1.1";
    public const string PatientRootQueryRetrieveFind = "1.2.840.10008.5.1.4.1.2.1.1";
    public const string PatientRootQueryRetrieveMove = "1.2.840.10008.5.1.4.1.2.1.2";
    public const string PatientRootQueryRetrieveGet = "1.2.840.10008.5.1.4.1.2.1.3";
    public const string StudyRootQueryRetrieveFind = "1.2.840.10008.5.1.4.1.2.2.1";
    public const string StudyRootQueryRetrieveMove = "1.2.840.10008.5.1.4.1.2.2.2";
    public const string StudyRootQueryRetrieveGet = "1.2.840.10008.5.1.4.1.2.2.3";
    public const string CompositeInstanceRootRetrieveMove = "1.2.840.10008.5.1.4.1.2.4.2";
    public const string CompositeInstanceRootRetrieveGet = "1.2.840.10008.5.1.4.1.2.4.3";
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";
    public const string CTImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string MRImageStorage = "1.2.840.10008.5.1.4.1.1.4";

    private static readonly DicomUidEntry[] Entries = CreateEntries();

    private static readonly FrozenDictionary<string, DicomUidEntry> ByUid = Entries.ToFrozenDictionary(e => e.Uid, StringComparer.Ordinal);

    public static IReadOnlyList<DicomUidEntry> All => Entries;

    /// <summary>The storage SOP classes of PS3.4 Annex B, e.g. for the presentation contexts a storage SCP accepts.</summary>
    public static IEnumerable<DicomUidEntry> StorageSopClasses => Entries.Where(e => e.IsStorage);

    public static DicomUidEntry? Find(string uid) => ByUid.TryGetValue(uid, out var entry) ? entry : null;

    /// <summary>
    /// PS3.5 §9.1: 1 to 64 characters, components of digits separated by single dots, no leading zero in a
    /// component of more than one digit.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<char> uid)
    {
        if (uid.IsEmpty || uid.Length > 64)
        {
            return false;
        }

        var componentStart = 0;
        for (var i = 0; i <= uid.Length; i++)
        {
            if (i == uid.Length || uid[i] == '.')
            {
                var length = i - componentStart;
                if (length == 0 || (length > 1 && uid[componentStart] == '0'))
                {
                    return false;
                }

                componentStart = i + 1;
            }
            else if (!char.IsAsciiDigit(uid[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static DicomUidEntry[] CreateEntries()
    {
        var entries = new List<DicomUidEntry>();
        foreach (var syntax in DicomTransferSyntax.All)
        {
            entries.Add(new DicomUidEntry(syntax.Uid, syntax.Name, syntax.Name.Replace(" ", string.Empty, StringComparison.Ordinal), DicomUidType.TransferSyntax));
        }

        entries.Add(new(ApplicationContext, "DICOM Application Context Name", "DICOMApplicationContext", DicomUidType.ApplicationContextName));
        entries.Add(new(Verification, "Verification SOP Class", "Verification", DicomUidType.SopClass));
        entries.Add(new(PatientRootQueryRetrieveFind, "Patient Root Query/Retrieve Information Model - FIND", "PatientRootQueryRetrieveInformationModelFind", DicomUidType.SopClass));
        entries.Add(new(PatientRootQueryRetrieveMove, "Patient Root Query/Retrieve Information Model - MOVE", "PatientRootQueryRetrieveInformationModelMove", DicomUidType.SopClass));
        entries.Add(new(PatientRootQueryRetrieveGet, "Patient Root Query/Retrieve Information Model - GET", "PatientRootQueryRetrieveInformationModelGet", DicomUidType.SopClass));
        entries.Add(new(StudyRootQueryRetrieveFind, "Study Root Query/Retrieve Information Model - FIND", "StudyRootQueryRetrieveInformationModelFind", DicomUidType.SopClass));
        entries.Add(new(StudyRootQueryRetrieveMove, "Study Root Query/Retrieve Information Model - MOVE", "StudyRootQueryRetrieveInformationModelMove", DicomUidType.SopClass));
        entries.Add(new(StudyRootQueryRetrieveGet, "Study Root Query/Retrieve Information Model - GET", "StudyRootQueryRetrieveInformationModelGet", DicomUidType.SopClass));
        entries.Add(new(CompositeInstanceRootRetrieveMove, "Composite Instance Root Retrieve - MOVE", "CompositeInstanceRootRetrieveMove", DicomUidType.SopClass));
        entries.Add(new(CompositeInstanceRootRetrieveGet, "Composite Instance Root Retrieve - GET", "CompositeInstanceRootRetrieveGet", DicomUidType.SopClass));

        // Storage SOP classes of PS3.4 Annex B (PS3.6 Table A-1), the ones in clinical use and their retired predecessors that still arrive.
        (string Uid, string Name, bool Retired)[] storage =
        [
            ("1.2.840.10008.5.1.4.1.1.1", "Computed Radiography Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.1.1", "Digital X-Ray Image Storage - For Presentation", false),
            ("1.2.840.10008.5.1.4.1.1.1.1.1", "Digital X-Ray Image Storage - For Processing", false),
            ("1.2.840.10008.5.1.4.1.1.1.2", "Digital Mammography X-Ray Image Storage - For Presentation", false),
            ("1.2.840.10008.5.1.4.1.1.1.2.1", "Digital Mammography X-Ray Image Storage - For Processing", false),
            ("1.2.840.10008.5.1.4.1.1.1.3", "Digital Intra-Oral X-Ray Image Storage - For Presentation", false),
            ("1.2.840.10008.5.1.4.1.1.1.3.1", "Digital Intra-Oral X-Ray Image Storage - For Processing", false),
            (CTImageStorage, "CT Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.2.1", "Enhanced CT Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.2.2", "Legacy Converted Enhanced CT Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.3.1", "Ultrasound Multi-frame Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.3", "Ultrasound Multi-frame Image Storage (Retired)", true),
            (MRImageStorage, "MR Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.4.1", "Enhanced MR Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.4.2", "MR Spectroscopy Storage", false),
            ("1.2.840.10008.5.1.4.1.1.4.3", "Enhanced MR Color Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.4.4", "Legacy Converted Enhanced MR Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.5", "Nuclear Medicine Image Storage (Retired)", true),
            ("1.2.840.10008.5.1.4.1.1.6", "Ultrasound Image Storage (Retired)", true),
            ("1.2.840.10008.5.1.4.1.1.6.1", "Ultrasound Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.6.2", "Enhanced US Volume Storage", false),
            (SecondaryCaptureImageStorage, "Secondary Capture Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.7.1", "Multi-frame Single Bit Secondary Capture Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.7.2", "Multi-frame Grayscale Byte Secondary Capture Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.7.3", "Multi-frame Grayscale Word Secondary Capture Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.7.4", "Multi-frame True Color Secondary Capture Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.1.1", "12-lead ECG Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.1.2", "General ECG Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.1.3", "Ambulatory ECG Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.2.1", "Hemodynamic Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.3.1", "Cardiac Electrophysiology Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.9.4.1", "Basic Voice Audio Waveform Storage", false),
            ("1.2.840.10008.5.1.4.1.1.11.1", "Grayscale Softcopy Presentation State Storage", false),
            ("1.2.840.10008.5.1.4.1.1.11.2", "Color Softcopy Presentation State Storage", false),
            ("1.2.840.10008.5.1.4.1.1.12.1", "X-Ray Angiographic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.12.1.1", "Enhanced XA Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.12.2", "X-Ray Radiofluoroscopic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.12.2.1", "Enhanced XRF Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.13.1.1", "X-Ray 3D Angiographic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.13.1.3", "Breast Tomosynthesis Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.20", "Nuclear Medicine Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.66", "Raw Data Storage", false),
            ("1.2.840.10008.5.1.4.1.1.66.1", "Spatial Registration Storage", false),
            ("1.2.840.10008.5.1.4.1.1.66.4", "Segmentation Storage", false),
            ("1.2.840.10008.5.1.4.1.1.77.1.1", "VL Endoscopic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.77.1.2", "VL Microscopic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.77.1.4", "VL Photographic Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.77.1.5.1", "Ophthalmic Photography 8 Bit Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.77.1.6", "VL Whole Slide Microscopy Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.11", "Basic Text SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.22", "Enhanced SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.33", "Comprehensive SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.34", "Comprehensive 3D SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.50", "Mammography CAD SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.59", "Key Object Selection Document Storage", false),
            ("1.2.840.10008.5.1.4.1.1.88.67", "X-Ray Radiation Dose SR Storage", false),
            ("1.2.840.10008.5.1.4.1.1.104.1", "Encapsulated PDF Storage", false),
            ("1.2.840.10008.5.1.4.1.1.104.2", "Encapsulated CDA Storage", false),
            ("1.2.840.10008.5.1.4.1.1.128", "Positron Emission Tomography Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.130", "Enhanced PET Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.1", "RT Image Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.2", "RT Dose Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.3", "RT Structure Set Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.4", "RT Beams Treatment Record Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.5", "RT Plan Storage", false),
            ("1.2.840.10008.5.1.4.1.1.481.8", "RT Ion Plan Storage", false),
        ];
        foreach (var (uid, name, retired) in storage)
        {
            entries.Add(new DicomUidEntry(uid, name, Keyword(name), DicomUidType.SopClass, IsStorage: true, IsRetired: retired));
        }

        return entries.ToArray();
    }

    private static string Keyword(string name) =>
        new(name.Where(char.IsAsciiLetterOrDigit).ToArray());
}
