using System.CommandLine;
using ImagePortal.Cli.Commands;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A C-GET from Orthanc where one instance cannot be sent: the requestor proposed no storage context
/// for its SOP class, so that sub-operation fails (PS3.4 C.4.3.3.1) while the others arrive. Orthanc
/// 1.10 puts the Failed SOP Instance UID List into the command set of its final response (DICOM_NOTES),
/// and ends the C-GET at the first failed sub-operation: it sends a study's instances newest first, so
/// the instance it cannot send is uploaded first and comes last.
/// </summary>
public sealed class OrthancPartialRetrieveTests
{
    private const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";

    private static readonly string[] UncompressedSyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Get_WhenOrthancCannotSendOneInstance_TheOthersArriveAndTheFailedUidIsReported()
    {
        using var folder = new TempDirectory("partial");
        var (study, secondaryCaptureUid) = WriteStudyWithOneSecondaryCapture(folder.Combine("study"));
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        await study.UploadToAsync(orthanc, Ct);
        var sink = new FolderStoreProvider(folder.Combine("got"));
        var client = new DicomClient("127.0.0.1", orthanc.DicomPort, new AssociationOptions { CalledAeTitle = orthanc.AeTitle, CallingAeTitle = "PORTAL" });
        await using var association = await client.OpenAsync(
            [new PresentationContextRequest(DicomNetworkUids.StudyRootGet, UncompressedSyntaxes), .. DicomClientAssociation.StorageContextsForGet([SyntheticStudy.CtImageStorage], UncompressedSyntaxes)],
            Ct);

        var progress = await association.GetAsync(DicomNetworkUids.StudyRootGet, study.StudyKeys(), sink, Ct).ToListAsync(Ct);

        Assert.True(association.IsEstablished);
        await association.ReleaseAsync(Ct);
        var final = progress[^1];
        // Orthanc ends with C000 where PS3.4 C.4.3.1.4 would say B000; either way the counters are there.
        Assert.Equal(DimseStatusClass.Failure, final.Status.Class);
        Assert.Equal((ushort?)2, final.Completed);
        Assert.Equal((ushort?)1, final.Failed);
        Assert.Equal([secondaryCaptureUid], final.FailedSopInstanceUids);
        var received = await InteropAssert.InstanceUidsAsync(Directory.GetFiles(sink.Folder, "*.dcm"), Ct);
        Assert.Equal(study.SopInstanceUids.Where(uid => uid != secondaryCaptureUid).Order(), received);
    }

    [Fact]
    public async Task GetCommand_WhenOrthancCannotSendOneInstance_NamesItAndExitsDimseFailure()
    {
        using var folder = new TempDirectory("partialcli");
        var (study, secondaryCaptureUid) = WriteStudyWithOneSecondaryCapture(folder.Combine("study"));
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        await study.UploadToAsync(orthanc, Ct);
        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }

        var exit = await root.Parse([
                "get", "127.0.0.1", orthanc.DicomPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-aec", orthanc.AeTitle,
                "--sop-class", SyntheticStudy.CtImageStorage, "-k", $"StudyInstanceUID={study.StudyInstanceUid}", "-od", folder.Combine("got")])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, Ct);

        // Like getscu, the association survives the failed sub-operation; the exit code says the peer
        // reported a failed sub-operation rather than that the association broke.
        Assert.Equal(NetworkExitCodes.DimseFailure, exit);
        Assert.Contains("2 completed, 1 failed", output.ToString());
        Assert.Contains($"imageportal get: failed instance {secondaryCaptureUid}", error.ToString());
        Assert.Equal(2, Directory.GetFiles(folder.Combine("got"), "*.dcm").Length);
    }

    /// <summary>Three CT images, the first relabelled as Secondary Capture (a SOP class Orthanc knows).</summary>
    private static (SyntheticStudy Study, string SecondaryCaptureUid) WriteStudyWithOneSecondaryCapture(string folder)
    {
        var study = SyntheticStudy.Write(folder, series: 1, imagesPerSeries: 3);
        var path = study.Files[0];
        var file = DicomFile.Open(path, new DicomReaderOptions { LargeValueThreshold = long.MaxValue });
        file.Dataset.SetString(DicomTag.SOPClassUID, SecondaryCaptureImageStorage);
        file.FileMetaInformation.SetString(DicomTag.MediaStorageSOPClassUID, SecondaryCaptureImageStorage);
        file.Save(path);
        return (study, study.SopInstanceUids[0]);
    }
}
