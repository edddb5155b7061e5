using ImagePortal.Dicom.Archive;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Dicom.Archive;

/// <summary>The file-store archive's index, matching rules (PS3.4 C.2.2.2), answers and store, without a network.</summary>
public sealed class FileStoreArchiveTests : IDisposable
{
    private readonly TempDirectory _folder = new("archive");
    private readonly SyntheticStudy _mueller;
    private readonly SyntheticStudy _smith;
    private readonly SyntheticStudy _smithOld;

    public FileStoreArchiveTests()
    {
        _mueller = SyntheticStudy.Write(Path.Combine(_folder.Path, "a"), patientName: "Müller^Jürgen", patientId: "PID-0001", studyDate: "20240115", series: 2, imagesPerSeries: 3);
        _smith = SyntheticStudy.Write(Path.Combine(_folder.Path, "b"), patientName: "Smith^Anne", patientId: "PID-0002", studyDate: "20230610", series: 1, imagesPerSeries: 2);
        _smithOld = SyntheticStudy.Write(Path.Combine(_folder.Path, "c"), patientName: "Smith^Anne", patientId: "PID-0002", studyDate: "20190302", series: 1, imagesPerSeries: 1);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Open_IndexesEveryFileBelowTheFolder_AndSkipsWhatIsNotDicom()
    {
        File.WriteAllText(Path.Combine(_folder.Path, "notes.dcm"), "not a DICOM file");
        File.WriteAllText(Path.Combine(_folder.Path, "left-over.partial"), "half a store");

        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        Assert.Equal(9, archive.InstanceCount);
        Assert.Equal(1, archive.SkippedFiles);
        Assert.False(File.Exists(Path.Combine(_folder.Path, "left-over.partial")));
    }

    [Fact]
    public void StudyLevel_ReturnsOneAnswerPerStudy_WithRequestedKeysOnly_AndComputedCounts()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");
        var keys = Keys("STUDY", (DicomTag.PatientID, "PID-0001"), (DicomTag.PatientName, ""), (DicomTag.ModalitiesInStudy, ""),
            (DicomTag.NumberOfStudyRelatedSeries, ""), (DicomTag.NumberOfStudyRelatedInstances, ""), (DicomTag.StudyDescription, ""),
            (DicomTag.RetrieveAETitle, ""), (DicomTag.ReferringPhysicianName, ""), (DicomTag.InstitutionName, ""));

        var answer = Assert.Single(archive.Find(keys, studyRoot: true));

        Assert.Equal(_mueller.StudyInstanceUid, answer.GetString(DicomTag.StudyInstanceUID));
        Assert.Equal("ISO_IR 100", answer.GetString(DicomTag.SpecificCharacterSet));
        Assert.Equal("Müller^Jürgen", answer.GetString(DicomTag.PatientName));
        Assert.Equal("CT", answer.GetString(DicomTag.ModalitiesInStudy));
        Assert.Equal("2", answer.GetString(DicomTag.NumberOfStudyRelatedSeries));
        Assert.Equal("6", answer.GetString(DicomTag.NumberOfStudyRelatedInstances));
        Assert.Equal("ARCHIVE", answer.GetString(DicomTag.RetrieveAETitle));
        Assert.Equal("Synthetic test study", answer.GetString(DicomTag.StudyDescription));
        // Requested but absent: returned empty (PS3.4 C.4.1.1.3.2). Not requested, or below the level: not returned.
        Assert.Equal(string.Empty, answer.GetString(DicomTag.ReferringPhysicianName));
        Assert.False(answer.Contains(DicomTag.InstitutionName));
        Assert.False(answer.Contains(DicomTag.StudyDate));
        Assert.False(answer.Contains(DicomTag.SOPInstanceUID));
    }

    [Theory]
    [InlineData("Müller^Jürgen", 1)]
    [InlineData("MÜLLER^JÜRGEN", 1)]
    [InlineData("müller*", 1)]
    [InlineData("Sm?th^*", 2)]
    [InlineData("*", 3)]
    [InlineData("", 3)]
    [InlineData("Smith", 0)]
    [InlineData("Mueller*", 0)]
    public void PatientName_MatchesSingleValueWildcardAndUniversal_IgnoringCase(string key, int studies)
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        Assert.Equal(studies, archive.Find(Keys("STUDY", (DicomTag.PatientName, key)), studyRoot: true).Count());
    }

    [Theory]
    [InlineData("20240115", 1)]
    [InlineData("20230101-20241231", 2)]
    [InlineData("-20200101", 1)]
    [InlineData("20230610-", 2)]
    [InlineData("20240116", 0)]
    public void StudyDate_MatchesSingleDatesAndRanges(string key, int studies)
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        Assert.Equal(studies, archive.Find(Keys("STUDY", (DicomTag.StudyDate, key)), studyRoot: true).Count());
    }

    [Fact]
    public void StudyInstanceUid_MatchesAListOfUids()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");
        var keys = Keys("STUDY", (DicomTag.StudyInstanceUID, $"{_mueller.StudyInstanceUid}\\{_smithOld.StudyInstanceUid}\\1.2.3"));

        var found = archive.Find(keys, studyRoot: true).Select(a => a.GetString(DicomTag.StudyInstanceUID)).ToList();

        Assert.Equal([_smithOld.StudyInstanceUid, _mueller.StudyInstanceUid], found);
    }

    [Fact]
    public void CodeStrings_MatchCaseSensitively()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        Assert.Equal(4, archive.Find(Keys("SERIES", (DicomTag.Modality, "CT")), studyRoot: true).Count());
        Assert.Empty(archive.Find(Keys("SERIES", (DicomTag.Modality, "ct")), studyRoot: true));
        Assert.Single(archive.Find(Keys("STUDY", (DicomTag.ModalitiesInStudy, "MR\\CT"), (DicomTag.PatientID, "PID-0001")), studyRoot: true));
        Assert.Empty(archive.Find(Keys("STUDY", (DicomTag.ModalitiesInStudy, "MG")), studyRoot: true));
    }

    [Fact]
    public void PatientLevel_PatientRoot_CountsStudies_SeriesLevel_And_ImageLevel_ListTheirEntities()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        var patients = archive.Find(Keys("PATIENT", (DicomTag.PatientID, ""), (DicomTag.NumberOfPatientRelatedStudies, "")), studyRoot: false).ToList();
        var series = archive.Find(Keys("SERIES", (DicomTag.StudyInstanceUID, _mueller.StudyInstanceUid), (DicomTag.NumberOfSeriesRelatedInstances, "")), studyRoot: true).ToList();
        var images = archive.Find(Keys("IMAGE", (DicomTag.SeriesInstanceUID, _mueller.SeriesInstanceUids[1]), (DicomTag.InstanceNumber, "")), studyRoot: true).ToList();

        Assert.Equal(["PID-0001", "PID-0002"], patients.Select(p => p.GetString(DicomTag.PatientID)));
        Assert.Equal(["1", "2"], patients.Select(p => p.GetString(DicomTag.NumberOfPatientRelatedStudies)));
        Assert.Equal(_mueller.SeriesInstanceUids.Order(), series.Select(s => s.GetString(DicomTag.SeriesInstanceUID)).Order());
        Assert.All(series, s => Assert.Equal("3", s.GetString(DicomTag.NumberOfSeriesRelatedInstances)));
        Assert.Equal(["1", "2", "3"], images.Select(i => i.GetString(DicomTag.InstanceNumber)));
        Assert.All(images, i => Assert.Contains(i.GetString(DicomTag.SOPInstanceUID), _mueller.SopInstanceUids));
    }

    [Fact]
    public void KeysBelowTheQueryLevel_AreNeitherMatchedNorReturned()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        var answers = archive.Find(Keys("STUDY", (DicomTag.PatientID, "PID-0001"), (DicomTag.SOPInstanceUID, "1.2.3"), (DicomTag.Modality, "")), studyRoot: true).ToList();

        var answer = Assert.Single(answers);
        Assert.False(answer.Contains(DicomTag.SOPInstanceUID));
        Assert.False(answer.Contains(DicomTag.Modality));
    }

    [Theory]
    [InlineData("PATIENT", true)]
    [InlineData("", true)]
    [InlineData("WARD", false)]
    public void BadLevels_AreRefused(string level, bool studyRoot)
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        Assert.Throws<InvalidDataException>(() => archive.Find(Keys(level), studyRoot).ToList());
        Assert.Throws<InvalidDataException>(() => archive.Resolve(Keys(level), studyRoot));
    }

    [Fact]
    public void Resolve_StudySeriesImageAndPatient_NamesExactlyTheirInstances_InSeriesAndInstanceOrder()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");

        var study = archive.Resolve(Keys("STUDY", (DicomTag.StudyInstanceUID, $"{_mueller.StudyInstanceUid}\\{_smith.StudyInstanceUid}")), studyRoot: true);
        var series = archive.Resolve(Keys("SERIES", (DicomTag.StudyInstanceUID, _mueller.StudyInstanceUid), (DicomTag.SeriesInstanceUID, _mueller.SeriesInstanceUids[0])), studyRoot: true);
        var image = archive.Resolve(Keys("IMAGE", (DicomTag.SOPInstanceUID, _mueller.SopInstanceUids[4])), studyRoot: true);
        var patient = archive.Resolve(Keys("PATIENT", (DicomTag.PatientID, "PID-0002")), studyRoot: false);

        Assert.Equal(8, study.Count);
        Assert.Equal(_mueller.SopInstanceUids.Take(3), series.Select(i => i.SopInstanceUid));
        Assert.Equal(_mueller.SopInstanceUids[4], Assert.Single(image).SopInstanceUid);
        Assert.Equal(3, patient.Count);
        Assert.Throws<InvalidDataException>(() => archive.Resolve(Keys("SERIES", (DicomTag.StudyInstanceUID, _mueller.StudyInstanceUid)), studyRoot: true));
    }

    [Fact]
    public async Task Resolve_OpensTheDataSetAfterTheMetaHeader_OnlyWhenAsked()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE");
        var instance = Assert.Single(archive.Resolve(Keys("IMAGE", (DicomTag.SOPInstanceUID, _smithOld.SopInstanceUids[0])), studyRoot: true));
        var (_, expected) = await ReadPart10Async(_smithOld.Files[0]);

        await using var stream = await instance.OpenDataSet(TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy, TestContext.Current.CancellationToken);

        Assert.Equal(expected, copy.ToArray());
        Assert.Equal(DicomNetworkUids.ExplicitVrLittleEndian, instance.TransferSyntaxUid);
    }

    [Fact]
    public async Task Store_WritesAtomically_IndexesAtOnce_AndReplacesTheSameInstance()
    {
        using var empty = new TempDirectory("archive-store");
        var archive = FileStoreArchive.Open(empty.Path, "ARCHIVE");

        Assert.Equal(DimseStatus.Success, await StoreAsync(archive, _smithOld.Files[0]));
        Assert.Equal(DimseStatus.Success, await StoreAsync(archive, _smithOld.Files[0]));

        Assert.Equal(1, archive.InstanceCount);
        Assert.Single(Directory.GetFiles(empty.Path, "*.dcm"));
        Assert.Empty(Directory.GetFiles(empty.Path, "*.partial"));
        Assert.Single(archive.Find(Keys("STUDY", (DicomTag.PatientID, "PID-0002")), studyRoot: true));
        Assert.Equal(1, FileStoreArchive.Open(empty.Path, "ARCHIVE").InstanceCount);
    }

    [Fact]
    public async Task Store_OfADataSetThatCannotBeRead_IsRefused_AndLeavesNothing()
    {
        using var empty = new TempDirectory("archive-store");
        var archive = FileStoreArchive.Open(empty.Path, "ARCHIVE");
        var garbage = new ReceivedInstance(SyntheticStudy.CtImageStorage, "1.2.3.4", DicomNetworkUids.ExplicitVrLittleEndian, "SCU", "ARCHIVE", new MemoryStream([0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0xFF, 0xFF, 0x01]));

        Assert.Equal(DimseStatus.UnableToProcess, await archive.StoreAsync(garbage, TestContext.Current.CancellationToken));

        Assert.Equal(0, archive.InstanceCount);
        Assert.Empty(Directory.GetFiles(empty.Path));
    }

    [Fact]
    public async Task Store_WhoseDataSetNamesAnotherInstance_IsRefused()
    {
        using var empty = new TempDirectory("archive-store");
        var archive = FileStoreArchive.Open(empty.Path, "ARCHIVE");
        var (header, dataSet) = await ReadPart10Async(_smithOld.Files[0]);
        var lying = new ReceivedInstance(header.SopClassUid, "1.2.3.4", header.TransferSyntaxUid, "SCU", "ARCHIVE", new MemoryStream(dataSet));

        Assert.Equal(DimseStatus.UnableToProcess, await archive.StoreAsync(lying, TestContext.Current.CancellationToken));
        Assert.Equal(0, archive.InstanceCount);
    }

    [Fact]
    public async Task ConcurrentStoresAndQueries_LoseNothing()
    {
        using var empty = new TempDirectory("archive-store");
        using var source = new TempDirectory("archive-source");
        var study = SyntheticStudy.Write(source.Path, series: 4, imagesPerSeries: 10, rows: 8, columns: 8);
        var archive = FileStoreArchive.Open(empty.Path, "ARCHIVE");
        var keys = Keys("IMAGE", (DicomTag.StudyInstanceUID, study.StudyInstanceUid));

        var stores = study.Files.Select(file => Task.Run(() => StoreAsync(archive, file)));
        var queries = Enumerable.Range(0, 20).Select(_ => Task.Run(() => archive.Find(keys, studyRoot: true).Count()));
        var statuses = await Task.WhenAll(stores);
        await Task.WhenAll(queries);

        Assert.All(statuses, s => Assert.Equal(DimseStatus.Success, s));
        Assert.Equal(40, archive.Find(keys, studyRoot: true).Count());
    }

    [Fact]
    public void MoveDestinations_ComeFromTheCallback()
    {
        var archive = FileStoreArchive.Open(_folder.Path, "ARCHIVE", ae => ae == "PORTAL" ? new ImagePortal.Dicom.Network.Server.DicomDestination("PORTAL", "127.0.0.1", 11110) : null);

        Assert.Equal(11110, archive.ResolveDestination("PORTAL")?.Port);
        Assert.Null(archive.ResolveDestination("ELSEWHERE"));
    }

    private static DicomDataset Keys(string level, params (DicomTag Tag, string Value)[] keys)
    {
        var dataset = new DicomDataset();
        dataset.SetString(DicomTag.SpecificCharacterSet, "ISO_IR 192");
        dataset.SetString(DicomTag.QueryRetrieveLevel, level);
        foreach (var (tag, value) in keys)
        {
            dataset.SetString(tag, value);
        }

        return dataset;
    }

    private static async Task<DimseStatus> StoreAsync(FileStoreArchive archive, string file)
    {
        var (header, dataSet) = await ReadPart10Async(file);
        var instance = new ReceivedInstance(header.SopClassUid, header.SopInstanceUid, header.TransferSyntaxUid, "SCU", "ARCHIVE", new MemoryStream(dataSet));
        return await archive.StoreAsync(instance, CancellationToken.None);
    }

    private static async Task<(Part10Header Header, byte[] DataSet)> ReadPart10Async(string path)
    {
        await using var file = File.OpenRead(path);
        var header = await Part10Header.ReadAsync(file);
        using var rest = new MemoryStream();
        await file.CopyToAsync(rest);
        return (header, rest.ToArray());
    }
}
