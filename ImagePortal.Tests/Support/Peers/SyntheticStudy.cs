using ImagePortal.Dicom.Data;

namespace ImagePortal.Tests.Support.Peers;

/// <summary>
/// A small generated CT study (Latin-1 patient name, one study, <c>series</c> × <c>imagesPerSeries</c>
/// instances of 16×16 16-bit pixels) written as Part 10 files into a folder, for query/retrieve tests.
/// UIDs are UUID-derived (PS3.5 B.2) and new for every study.
/// </summary>
public sealed class SyntheticStudy
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    private SyntheticStudy(string patientName, string patientId, string studyDate, string studyUid, IReadOnlyList<string> seriesUids, IReadOnlyList<string> files, IReadOnlyList<string> instanceUids)
    {
        PatientName = patientName;
        PatientId = patientId;
        StudyDate = studyDate;
        StudyInstanceUid = studyUid;
        SeriesInstanceUids = seriesUids;
        Files = files;
        SopInstanceUids = instanceUids;
    }

    public string PatientName { get; }

    public string PatientId { get; }

    /// <summary>The patient as a source PACS names it, what an approval of this study records.</summary>
    public ImagePortal.Domain.Requests.SourcePatient Patient => new(PatientId, null, PatientName, null);

    public string StudyDate { get; }

    public string StudyInstanceUid { get; }

    public IReadOnlyList<string> SeriesInstanceUids { get; }

    public IReadOnlyList<string> Files { get; }

    public IReadOnlyList<string> SopInstanceUids { get; }

    public static string NewUid() => "2.25." + new System.Numerics.BigInteger(Guid.NewGuid().ToByteArray(), isUnsigned: true);

    public static SyntheticStudy Write(string folder, string patientName = "Müller^Jürgen", string patientId = "PID-0001", string studyDate = "20240115", int series = 2, int imagesPerSeries = 3, int rows = 16, int columns = 16, string modality = "CT", string? studyUid = null,
        string birthDate = "19700101", string sex = "M")
    {
        Directory.CreateDirectory(folder);
        studyUid ??= NewUid();
        var seriesUids = new List<string>();
        var files = new List<string>();
        var instanceUids = new List<string>();
        for (var s = 0; s < series; s++)
        {
            var seriesUid = NewUid();
            seriesUids.Add(seriesUid);
            for (var i = 0; i < imagesPerSeries; i++)
            {
                var instanceUid = NewUid();
                instanceUids.Add(instanceUid);
                var dataset = new DicomDataset();
                dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 100");
                dataset.SetString(DicomTag.SOPClassUID, CtImageStorage);
                dataset.SetString(DicomTag.SOPInstanceUID, instanceUid);
                dataset.SetString(DicomTag.StudyDate, studyDate);
                dataset.SetString(DicomTag.StudyTime, "101500");
                dataset.SetString(DicomTag.AccessionNumber, "ACC" + patientId[^4..]);
                dataset.SetString(DicomTag.Modality, modality);
                dataset.SetString(DicomTag.StudyDescription, "Synthetic test study");
                dataset.SetString(DicomTag.PatientName, patientName);
                dataset.SetString(DicomTag.PatientID, patientId);
                dataset.SetString(DicomTag.PatientBirthDate, birthDate);
                dataset.SetString(DicomTag.PatientSex, sex);
                dataset.SetString(DicomTag.StudyInstanceUID, studyUid);
                dataset.SetString(DicomTag.SeriesInstanceUID, seriesUid);
                dataset.SetString(DicomTag.StudyID, "1");
                dataset.SetString(DicomTag.SeriesNumber, (s + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                dataset.SetString(DicomTag.InstanceNumber, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                dataset.SetUInt16(DicomTag.SamplesPerPixel, 1);
                dataset.SetString(DicomTag.PhotometricInterpretation, "MONOCHROME2");
                dataset.SetUInt16(DicomTag.Rows, (ushort)rows);
                dataset.SetUInt16(DicomTag.Columns, (ushort)columns);
                dataset.SetUInt16(DicomTag.BitsAllocated, 16);
                dataset.SetUInt16(DicomTag.BitsStored, 12);
                dataset.SetUInt16(DicomTag.HighBit, 11);
                dataset.SetUInt16(DicomTag.PixelRepresentation, 0);
                var pixels = new ushort[rows * columns];
                for (var p = 0; p < pixels.Length; p++)
                {
                    pixels[p] = (ushort)((p * 7 + s * 100 + i) & 0x0FFF);
                }

                dataset.SetValues(DicomTag.PixelData, DicomVR.OW, pixels);
                var path = Path.Combine(folder, $"s{s}i{i}.dcm");
                DicomFile.Create(dataset, DicomTransferSyntax.ExplicitVRLittleEndian).Save(path);
                files.Add(path);
            }
        }

        return new SyntheticStudy(patientName, patientId, studyDate, studyUid, seriesUids, files, instanceUids);
    }

    /// <summary>Retrieve keys (C-GET, C-MOVE) naming the whole study: STUDY level and its Study Instance UID.</summary>
    public DicomDataset StudyKeys()
    {
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, StudyInstanceUid);
        return keys;
    }

    public async Task UploadToAsync(OrthancPeer orthanc, CancellationToken cancellationToken)
    {
        foreach (var file in Files)
        {
            await orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }
    }
}
