using System.Globalization;
using System.Net;
using ImagePortal.Dicom.Archive;
using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>DCMTK's storescu, findscu, getscu and movescu against the file-store archive served by our SCP.</summary>
public sealed class FileStoreArchiveInteropTests : IAsyncDisposable
{
    private readonly TempDirectory _source = new("archive-source");
    private readonly TempDirectory _store = new("archive");
    private readonly SyntheticStudy _study;
    private readonly Dictionary<string, DicomDestination> _destinations = new(StringComparer.Ordinal);
    private readonly FileStoreArchive _archive;
    private readonly DicomServer _server;

    public FileStoreArchiveInteropTests()
    {
        _study = SyntheticStudy.Write(_source.Path, patientName: "Ó Briain^Seán", patientId: "NVH-000123", series: 2, imagesPerSeries: 4);
        _archive = FileStoreArchive.Open(_store.Path, "ARCHIVE", ae => _destinations.GetValueOrDefault(ae));
        _server = new DicomServer(new DicomServerOptions { AeTitle = "ARCHIVE", BindAddress = IPAddress.Loopback, Port = 0 })
        {
            Store = _archive,
            Find = _archive,
            Get = _archive,
            Move = _archive,
        };
        _server.Start();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Port => _server.Port.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _source.Dispose();
        _store.Dispose();
    }

    [Fact]
    public async Task StoreScu_ThenFindScu_StudyRootAndPatientRoot_FindTheStoredStudy()
    {
        await StoreStudyAsync();

        var (studyExit, studyLog) = await DcmtkTools.RunAsync(
            "findscu",
            ["-v", "-S", "-aet", "FINDSCU", "-aec", "ARCHIVE", "-k", "SpecificCharacterSet=ISO_IR 192", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientName=ó briain*", "-k", "StudyInstanceUID",
             "-k", "StudyDate=20240101-20241231", "-k", "ModalitiesInStudy", "-k", "NumberOfStudyRelatedInstances", "127.0.0.1", Port],
            Ct);
        var (patientExit, patientLog) = await DcmtkTools.RunAsync(
            "findscu",
            ["-v", "-P", "-aet", "FINDSCU", "-aec", "ARCHIVE", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID=NVH-*", "-k", "PatientName", "-k", "NumberOfPatientRelatedStudies", "127.0.0.1", Port],
            Ct);
        var (noneExit, noneLog) = await DcmtkTools.RunAsync(
            "findscu",
            ["-v", "-S", "-aet", "FINDSCU", "-aec", "ARCHIVE", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyDate=-20231231", "-k", "StudyInstanceUID", "127.0.0.1", Port],
            Ct);

        Assert.True(studyExit == 0, studyLog);
        Assert.Contains(_study.StudyInstanceUid, studyLog);
        Assert.Contains("Briain^Se", studyLog);
        Assert.Contains("(0020,1208) IS [8 ]", studyLog);
        Assert.Contains("(0008,0005) CS [ISO_IR 100]", studyLog);
        Assert.True(patientExit == 0, patientLog);
        Assert.Contains("NVH-000123", patientLog);
        Assert.Contains("(0020,1200) IS [1 ]", patientLog);
        Assert.True(noneExit == 0, noneLog);
        Assert.DoesNotContain(_study.StudyInstanceUid, noneLog);
        Assert.Contains("Received Final Find Response (Success)", noneLog);
    }

    [Fact]
    public async Task GetScu_Series_ReceivesExactlyThatSeries()
    {
        await StoreStudyAsync();
        using var output = new TempDirectory("getscu");

        var (exit, log) = await DcmtkTools.RunAsync(
            "getscu",
            ["-v", "-S", "-aet", "GETSCU", "-aec", "ARCHIVE", "-od", output.Path, "-k", "QueryRetrieveLevel=SERIES",
             "-k", $"StudyInstanceUID={_study.StudyInstanceUid}", "-k", $"SeriesInstanceUID={_study.SeriesInstanceUids[1]}", "127.0.0.1", Port],
            Ct);

        Assert.True(exit == 0, log);
        Assert.Equal(_study.SopInstanceUids.Skip(4).Order(), await InteropAssert.InstanceUidsAsync(Directory.GetFiles(output.Path), Ct));
    }

    [Fact]
    public async Task MoveScu_Study_ToAKnownDestination_ArrivesThere_AndToAnUnknownOne_IsRefused()
    {
        await StoreStudyAsync();
        await using var storescp = await DcmtkStoreScp.StartAsync("MOVEDEST", cancellationToken: Ct);
        _destinations["MOVEDEST"] = new DicomDestination("MOVEDEST", "127.0.0.1", storescp.Port);

        var (exit, log) = await DcmtkTools.RunAsync(
            "movescu",
            ["-v", "-S", "-aet", "MOVESCU", "-aec", "ARCHIVE", "-aem", "MOVEDEST", "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={_study.StudyInstanceUid}", "127.0.0.1", Port],
            Ct);
        var (_, unknownLog) = await DcmtkTools.RunAsync(
            "movescu",
            ["-v", "-S", "-aet", "MOVESCU", "-aec", "ARCHIVE", "-aem", "NOWHERE", "-k", "QueryRetrieveLevel=STUDY", "-k", $"StudyInstanceUID={_study.StudyInstanceUid}", "127.0.0.1", Port],
            Ct);

        Assert.True(exit == 0, log);
        await storescp.WaitForFilesAsync(_study.Files.Count, TimeSpan.FromSeconds(20), Ct);
        await InteropAssert.SameDataSetsAsync(_study.Files, storescp.ReceivedFiles, Ct);
        Assert.Contains("Final Move Response (Refused: MoveDestinationUnknown)", unknownLog);
    }

    private async Task StoreStudyAsync()
    {
        var (exit, log) = await DcmtkTools.RunAsync("storescu", ["-v", "-aet", "STORESCU", "-aec", "ARCHIVE", "127.0.0.1", Port, .. _study.Files], Ct, tcpNoDelay: true);
        Assert.True(exit == 0, log);
        Assert.Equal(_study.Files.Count, _archive.InstanceCount);
    }
}
