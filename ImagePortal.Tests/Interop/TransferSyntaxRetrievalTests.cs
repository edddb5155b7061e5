using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Dicom;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Every instance arrives in the transfer syntax it is stored in, however many SOP classes a study holds: a source that
/// finds no presentation context for an instance's own syntax converts it (a lossy JPEG decompressed) or fails it.
/// (Proposals split evenly across 12 classes once offered 10 syntaxes each and none of RLE, deflated or JPEG extended.)
/// </summary>
public sealed class TransferSyntaxRetrievalTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// pydicom files of twelve SOP classes, more than one association can offer all thirteen storage syntaxes for (two
    /// are CT_small filed as CR and DX, the classes of a chest x-ray).
    /// </summary>
    private static readonly (string File, string? SopClass)[] Files =
    [
        ("CT_small.dcm", "1.2.840.10008.5.1.4.1.1.1"),   // CR
        ("CT_small.dcm", "1.2.840.10008.5.1.4.1.1.1.1"), // DX for presentation
        ("693_J2KI.dcm", null),                          // CT, JPEG 2000
        ("MR_small_RLE.dcm", null),                      // MR, RLE
        ("MR_small_jpeg_ls_lossless.dcm", null),         // MR, JPEG-LS lossless
        ("JPEG-lossy.dcm", null),                        // Secondary Capture, JPEG extended (lossy)
        ("image_dfl.dcm", null),                         // Secondary Capture, deflated
        ("rtdose.dcm", null),                            // RT Dose, implicit VR
        ("rtplan.dcm", null),                            // RT Plan
        ("rtstruct.dcm", null),                          // RT Structure Set
        ("reportsi.dcm", null),                          // Basic Text SR
        ("test-SR.dcm", null),                           // Comprehensive SR
        ("liver_1frame.dcm", null),                      // Segmentation
        ("waveform_ecg.dcm", null),                      // 12-lead ECG
    ];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AStudyOfManySopClasses_ArrivesWithEveryInstanceInItsOwnTransferSyntax(bool cGet)
    {
        using var folder = new TempDirectory("retrieve-syntaxes");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions
        {
            AeTitle = "SBR_PACS",
            UnknownSopClassAccepted = true,
            Modalities = [new OrthancModality("portal", "IMAGEPORTAL", fixture.ScpPort)],
        }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS", UnknownSopClassAccepted = true }, Ct);
        var studyUid = SyntheticStudy.NewUid();
        var patientId = cGet ? "SBR-9100" : "SBR-9200";
        foreach (var (name, sopClass) in Files)
        {
            // One patient, one study, an instance UID of its own (two of the MR files share one); DCMTK keeps each file's syntax.
            var copy = Path.Combine(folder.Path, $"{Guid.NewGuid():N}-{name}");
            File.Copy(DicomCorpus.Require(Path.Combine("test_files", name)), copy);
            List<string> arguments = ["-nb", "-i", $"(0010,0020)={patientId}", "-i", "(0010,0010)=Corpus^Patient", "-i", $"(0020,000D)={studyUid}", "-i", $"(0008,0018)={SyntheticStudy.NewUid()}"];
            if (sopClass is not null)
            {
                arguments.AddRange(["-i", $"(0008,0016)={sopClass}"]);
            }

            var (exit, output) = await DcmtkTools.RunAsync("dcmodify", [.. arguments, copy], Ct);
            Assert.True(exit == 0, $"{name}: {output}");
            await source.UploadAsync(await File.ReadAllBytesAsync(copy, Ct), Ct);
        }

        var stored = await SyntaxesAsync(source);
        Assert.Equal(Files.Length, stored.Count);
        Assert.True(stored.Values.Distinct().Count() >= 7, string.Join(", ", stored.Values.Distinct()));
        await _steps.PointNodesAsync(source, destination, cGet ? DicomCapabilities.All : DicomCapabilities.All & ~DicomCapabilities.Get);

        var number = await _steps.FileAndApproveAsync(cGet ? "NVH-9100" : "NVH-9200",
            [new(studyUid, null, "OT", null, null, Files.Length, new SourcePatient(patientId, null, "Corpus^Patient", null))]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        var arrived = await SyntaxesAsync(destination);
        Assert.Equal(stored.OrderBy(s => s.Key), arrived.OrderBy(s => s.Key));
    }

    /// <summary>SOP Instance UID → the transfer syntax Orthanc stored the instance in.</summary>
    private static async Task<Dictionary<string, string>> SyntaxesAsync(OrthancPeer orthanc)
    {
        var syntaxes = new Dictionary<string, string>();
        foreach (var instance in (await orthanc.GetJsonAsync("instances?expand", Ct)).EnumerateArray())
        {
            var id = instance.GetProperty("ID").GetString();
            var sop = instance.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!;
            syntaxes[sop] = await orthanc.Http.GetStringAsync($"instances/{id}/metadata/TransferSyntax", Ct);
        }

        return syntaxes;
    }
}
