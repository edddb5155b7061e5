using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Retrieval on what real sources hold: a study under two patients, a study relabelled after the approval, an instance
/// of the wrong patient inside the approved study. The requester's MRN must never be written on another patient's images.
/// </summary>
public sealed class RetrievalSafetyTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AStudyTheSourceHoldsUnderTwoPatients_StopsAsAmbiguous_AndImportsNothingOfIt()
    {
        // One Study Instance UID under SBR-77120 (the approved patient, 3 images) and under SBR-99999 (1 image): Orthanc
        // keeps them as two studies, and answers a C-FIND for the UID with both.
        using var files = new TempDirectory("retrieve-ambiguous");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var other = SyntheticStudy.Write(files.Combine("other"), patientName: "Other^Patient", patientId: "SBR-99999", series: 1, imagesPerSeries: 1);
        var approved = SyntheticStudy.Write(files.Combine("approved"), patientId: "SBR-77120", series: 1, imagesPerSeries: 3, studyUid: other.StudyInstanceUid);
        await other.UploadToAsync(source, Ct);
        await approved.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("NVH-77120", approved);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Failed, request.Status);
        Assert.Empty(await destination.InstanceUidsAsync(Ct));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal(RetrievalJobState.Failed, job.State);
        Assert.Contains("ambiguous study at the source", job.LastError);
        Assert.Contains("'SBR-77120'", job.LastError);
        Assert.Contains("'SBR-99999'", job.LastError);
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.Failed && e.Text!.Contains("ambiguous study at the source"));
        Assert.Equal(0, await fixture.DbAsync(db => db.ImportedInstances.CountAsync(i => i.JobId == job.Id, Ct)));
    }

    [Fact]
    public async Task AStudyTheSourceNowHoldsUnderAnotherPatientThanApproved_IsNotImported()
    {
        // Approved as SBR-77120's, relabelled at the source before the worker ran: only SBR-12345 holds it now.
        using var files = new TempDirectory("retrieve-relabelled");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientName: "Someone^Else", patientId: "SBR-12345", series: 1, imagesPerSeries: 2);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync(
            "NVH-77120", [RetrievalSteps.Approval(study, new SourcePatient("SBR-77120", null, "Müller^Jürgen", new DateOnly(1970, 1, 1)))]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Failed, request.Status);
        Assert.Empty(await destination.InstanceUidsAsync(Ct));
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Contains("under patient 'SBR-12345', not under 'SBR-77120', the patient it was approved for", job.LastError);
    }

    [Fact]
    public async Task AnInstanceOfAnotherPatientInsideTheApprovedStudy_IsQuarantined_AndTheApprovedPatientsImagesAreImported()
    {
        // The source's C-FIND names only the approved patient, but its C-GET also sends an instance of the same study
        // UID that carries another Patient ID (or the right ID from another issuer).
        using var files = new TempDirectory("retrieve-wrong-patient");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6100", series: 1, imagesPerSeries: 2);
        var stranger = SyntheticStudy.Write(files.Combine("x"), patientName: "Other^Patient", patientId: "SBR-6199", series: 1, imagesPerSeries: 1, studyUid: study.StudyInstanceUid);
        var issued = SyntheticStudy.Write(files.Combine("i"), patientId: "SBR-6100", series: 1, imagesPerSeries: 1, studyUid: study.StudyInstanceUid);
        SetIssuer(issued.Files.Single(), "RCH-MRN");
        var archive = new AddingArchive(new TestArchive(study.Files), new TestArchive([.. stranger.Files, .. issued.Files]));
        await using var source = await _steps.ServeAsync(archive, destination);

        var number = await _steps.FileAndApproveAsync(
            "NVH-6100", [RetrievalSteps.Approval(study, new SourcePatient("SBR-6100", "SBR-MRN", "Müller^Jürgen", null))]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var quarantined = await fixture.DbAsync(db => db.QuarantinedInstances.Where(q => q.RequestId == request.Id).ToListAsync(Ct));
        Assert.Equal(stranger.SopInstanceUids.Concat(issued.SopInstanceUids).Order(), quarantined.Select(q => q.SopInstanceUid).Order());
        Assert.Contains(quarantined, q => q.Reason.Contains("patient ID 'SBR-6199' is not 'SBR-6100' (issuer SBR-MRN)"));
        Assert.Contains(quarantined, q => q.Reason.Contains("patient ID 'SBR-6100' (issuer RCH-MRN) is not 'SBR-6100' (issuer SBR-MRN)"));
        var alerts = await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => e.ObjectReference == number && e.Type == AuditEventType.SecurityAlert, Ct));
        Assert.Equal(2, alerts);
    }

    [Fact]
    public async Task AnInstanceWithAnInvalidUid_FailsThatInstanceWithItsReason_AndTheRestOfTheStudyIsImported()
    {
        // Orthanc stores and serves a SOP Instance UID of "../x" as it came; DCMTK's dcmodify puts it there.
        using var files = new TempDirectory("retrieve-invalid-uid");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8100", series: 1, imagesPerSeries: 3);
        var poison = files.Combine("poison.dcm");
        File.Copy(study.Files[0], poison);
        var (exit, output) = await DcmtkTools.RunAsync("dcmodify", ["-nb", "-m", "(0008,0018)=../x", poison], Ct);
        Assert.True(exit == 0, output);
        await study.UploadToAsync(source, Ct);
        await source.UploadAsync(await File.ReadAllBytesAsync(poison, Ct), Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("NVH-8100", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var failure = await fixture.DbAsync(db => db.FailedInstances.SingleAsync(f => f.SopInstanceUid == "../x", Ct));
        // The listing or the C-GET meets it first (they run side by side): either way SBR_PACS is named, and why.
        Assert.Matches("SBR_PACS.* (sent|lists) an instance with an invalid SOP Instance UID '../x': skipped", failure.Reason);
        Assert.Contains(request.Events, e => e.Kind == RequestEventKind.PartiallyCompleted && e.Text!.Contains("invalid SOP Instance UID '../x'"));
        // The administrator reads the same reason on the Jobs board and in the audit trail.
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Contains("invalid SOP Instance UID '../x'", job.LastError);
        await Poll.UntilAsync(() => fixture.DbAsync(db => db.AuditEvents.AnyAsync(
            e => e.ObjectReference == number && e.Type == AuditEventType.InstancesTransferred && e.Description.Contains("invalid SOP Instance UID '../x'"), Ct)), TimeSpan.FromSeconds(10));
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(fixture.Services.GetRequiredService<SpoolBudget>().Directory)!, "x")));
    }

    [Fact]
    public async Task AnInstanceWhoseDataCannotBeRead_FailsThatInstance_AndTheRestOfTheStudyIsImported()
    {
        using var files = new TempDirectory("retrieve-unreadable");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8200", series: 1, imagesPerSeries: 4);
        var archive = new GarbledArchive(new TestArchive(study.Files), garbled: 1);
        await using var source = await _steps.ServeAsync(archive, destination);

        var number = await _steps.FileAndApproveAsync("NVH-8200", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        var garbled = study.SopInstanceUids[1];
        Assert.Equal(study.SopInstanceUids.Where(u => u != garbled).Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var failure = await fixture.DbAsync(db => db.FailedInstances.SingleAsync(f => f.SopInstanceUid == garbled, Ct));
        Assert.Contains("not valid DICOM", failure.Reason);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task BigEndianInstances_TravelInTheirOwnEncoding_OrInExplicitVrLittleEndianWhereTheDestinationRefusesIt(bool cGet, bool destinationTakesBigEndian)
    {
        // pydicom's retired big-endian files: OW 16-bit (MR), OB 8-bit (US), OW 32-bit (RT Dose), OB 1-bit (segmentation).
        // By C-MOVE, Orthanc sends them as they are stored; by C-GET it would convert them itself, so the C-GET source is
        // our own SCP serving the files as they are. The destination is an Orthanc, or our SCP taking little endian only.
        string[] names = ["MR_small_bigendian.dcm", "ExplVR_BigEnd.dcm", "rtdose_expb_1frame.dcm", "liver_expb_1frame.dcm"];
        using var files = new TempDirectory("retrieve-big-endian");
        await using var orthancDestination = destinationTakesBigEndian
            ? await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS", UnknownSopClassAccepted = true }, Ct)
            : null;
        await using var scpDestination = destinationTakesBigEndian ? null : TestScp.Start(o =>
        {
            o.AeTitle = "NVH_PACS";
            o.StorageTransferSyntaxes = [ImagePortal.Dicom.Network.DicomNetworkUids.ExplicitVrLittleEndian, ImagePortal.Dicom.Network.DicomNetworkUids.ImplicitVrLittleEndian];
        });
        await using var orthanc = cGet ? null : await OrthancPeer.StartAsync(new OrthancPeerOptions
        {
            AeTitle = "SBR_PACS",
            UnknownSopClassAccepted = true,
            Modalities = [new OrthancModality("portal", "IMAGEPORTAL", fixture.ScpPort)],
        }, Ct);
        var approvals = new List<ImagePortal.Web.Features.Requests.ApprovedStudy>();
        var originals = new Dictionary<string, (string Path, ImagePortal.Dicom.Data.DicomFile File)>();
        foreach (var name in names)
        {
            // A copy with a SOP Instance UID of its own (the tests import into the same NVH node, whose ledger would skip
            // an instance imported before), written by DCMTK in the file's own big-endian encoding, meta header to match.
            var original = files.Combine("copy-" + name);
            File.Copy(ImagePortal.Tests.Dicom.DicomCorpus.Require(Path.Combine("test_files", name)), original);
            var (modified, modifyOutput) = await DcmtkTools.RunAsync("dcmodify", ["-nb", "-m", $"(0008,0018)={SyntheticStudy.NewUid()}", original], Ct);
            Assert.True(modified == 0, modifyOutput);
            var file = ImagePortal.Dicom.Data.DicomFile.Open(original);
            Assert.True(file.TransferSyntax.IsBigEndian, name);
            var dataset = file.Dataset;
            originals[dataset.GetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID)!] = (original, file);
            approvals.Add(new(dataset.GetString(ImagePortal.Dicom.Data.DicomTag.StudyInstanceUID)!, null, "OT", null, null, 1,
                new SourcePatient(dataset.GetString(ImagePortal.Dicom.Data.DicomTag.PatientID), null, null, null)));
        }

        var paths = originals.Values.Select(o => o.Path).ToList();
        await using var scp = cGet ? TestScp.Start(o => o.AeTitle = "SBR_PACS", find: new TestArchive(paths), get: new TestArchive(paths)) : null;
        if (orthanc is not null)
        {
            foreach (var path in paths)
            {
                await orthanc.UploadAsync(await File.ReadAllBytesAsync(path, Ct), Ct);
            }

            await _steps.PointNodeAsync("SBR", orthanc.AeTitle, orthanc.DicomPort, DicomCapabilities.All & ~DicomCapabilities.Get);
        }
        else
        {
            await _steps.PointNodeAsync("SBR", "SBR_PACS", scp!.Port, DicomCapabilities.All);
        }

        await _steps.PointNodeAsync("NVH", "NVH_PACS", orthancDestination?.DicomPort ?? scpDestination!.Port, DicomCapabilities.All);
        var localMrn = $"NVH-84{(cGet ? 1 : 2)}{(destinationTakesBigEndian ? 1 : 2)}";
        var number = await _steps.FileAndApproveAsync(localMrn, approvals);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        var stored = new List<string>();
        if (orthancDestination is not null)
        {
            foreach (var instance in (await orthancDestination.GetJsonAsync("instances?expand", Ct)).EnumerateArray())
            {
                var id = instance.GetProperty("ID").GetString();
                stored.Add(files.Combine($"{id}.dcm"));
                await File.WriteAllBytesAsync(stored[^1], await orthancDestination.Http.GetByteArrayAsync($"instances/{id}/file", Ct), Ct);
            }
        }
        else
        {
            stored.AddRange(scpDestination!.StoredFiles);
            Assert.Contains($"{names.Length} instance(s) rewritten in Explicit VR Little Endian, the only syntax NVH_PACS takes for them",
                request.Events.Single(e => e.Kind == RequestEventKind.Completed).Text);
        }

        var imported = stored.Select(path => (Path: path, File: ImagePortal.Dicom.Data.DicomFile.Open(path))).ToList();
        Assert.Equal(originals.Keys.Order(), imported.Select(i => i.File.Dataset.GetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID)!).Order());
        foreach (var (storedPath, file) in imported)
        {
            var (path, original) = originals[file.Dataset.GetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID)!];
            Assert.Equal(localMrn, file.Dataset.GetString(ImagePortal.Dicom.Data.DicomTag.PatientID));
            if (destinationTakesBigEndian)
            {
                Assert.True(file.TransferSyntax.IsBigEndian);
                Assert.Equal(await PixelDataAsync(path), await PixelDataAsync(storedPath));
            }
            else
            {
                // The oracle: DCMTK's own conversion of the original to explicit VR little endian.
                Assert.Equal(ImagePortal.Dicom.Data.DicomTransferSyntax.ExplicitVRLittleEndian, file.TransferSyntax);
                var reference = files.Combine(Path.GetFileName(path) + ".le.dcm");
                var (exit, output) = await DcmtkTools.RunAsync("dcmconv", ["+te", path, reference], Ct);
                Assert.True(exit == 0, output);
                var converted = ImagePortal.Dicom.Data.DicomFile.Open(reference);
                foreach (var tag in new[] { ImagePortal.Dicom.Data.DicomTag.Rows, ImagePortal.Dicom.Data.DicomTag.Columns, ImagePortal.Dicom.Data.DicomTag.BitsAllocated, ImagePortal.Dicom.Data.DicomTag.PixelData })
                {
                    Assert.Equal(Bytes(converted, tag), Bytes(file, tag));
                }
            }
        }
    }

    /// <summary>The Pixel Data value as DCMTK prints it (every word, in its own byte order): the same for both files only if they hold the same pixels.</summary>
    private static async Task<string> PixelDataAsync(string path)
    {
        var (exit, output) = await DcmtkTools.RunAsync("dcmdump", ["-q", "+L", "+P", "PixelData", path], Ct);
        Assert.True(exit == 0, output);
        return output;
    }

    private static byte[] Bytes(ImagePortal.Dicom.Data.DicomFile file, ImagePortal.Dicom.Data.DicomTag tag) =>
        ((ImagePortal.Dicom.Data.DicomElement)file.Dataset[tag]!).Buffer.GetBytes().ToArray();

    [Fact]
    public async Task AnAccessionTooLongForTheSourcesPrefix_IsImportedAsItCame_AndTheRequestSaysSo()
    {
        using var files = new TempDirectory("retrieve-accession");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8500", series: 1, imagesPerSeries: 2);
        foreach (var path in study.Files)
        {
            var file = ImagePortal.Dicom.Data.DicomFile.Open(path);
            var dataset = file.Dataset.Clone();
            dataset.SetString(ImagePortal.Dicom.Data.DicomTag.AccessionNumber, "RAD-2024-000917");
            ImagePortal.Dicom.Data.DicomFile.Create(dataset, file.TransferSyntax).Save(path);
        }

        await using var source = await _steps.ServeAsync(new TestArchive(study.Files), destination);
        var before = await SetNvhAccessionPolicyAsync(AccessionPolicy.PrefixWithSourceCode);
        try
        {
            var number = await _steps.FileAndApproveAsync("NVH-8500", study);
            var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

            Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
            Assert.Contains("accession number(s) 'RAD-2024-000917' kept as the source sent them: with the prefix 'SBR' they would exceed 16 characters",
                request.Events.Single(e => e.Kind == RequestEventKind.Completed).Text);
            foreach (var instance in (await destination.GetJsonAsync("instances?expand", Ct)).EnumerateArray())
            {
                var tags = await destination.GetJsonAsync($"instances/{instance.GetProperty("ID").GetString()}/tags?simplify", Ct);
                Assert.Equal("RAD-2024-000917", tags.GetProperty("AccessionNumber").GetString());
            }
        }
        finally
        {
            await SetNvhAccessionPolicyAsync(before);
        }
    }

    /// <summary>Sets NVH's accession policy; returns the one it had.</summary>
    private Task<AccessionPolicy> SetNvhAccessionPolicyAsync(AccessionPolicy policy) => fixture.DbAsync(async db =>
    {
        var nvh = await db.Facilities.SingleAsync(f => f.Code == "NVH", Ct);
        var before = nvh.AccessionPolicy;
        nvh.SetImportPolicies(policy, nvh.DemographicsPolicy);
        await db.SaveChangesAsync(Ct);
        return before;
    });

    private static void SetIssuer(string path, string issuer)
    {
        var file = ImagePortal.Dicom.Data.DicomFile.Open(path);
        var dataset = file.Dataset.Clone();
        dataset.SetString(ImagePortal.Dicom.Data.DicomTag.IssuerOfPatientID, issuer);
        ImagePortal.Dicom.Data.DicomFile.Create(dataset, file.TransferSyntax).Save(path);
    }

    /// <summary>Answers queries from the approved study; a retrieve of it also brings the extra instances (same study UID).</summary>
    private sealed class AddingArchive(TestArchive honest, TestArchive extra) : ImagePortal.Dicom.Network.Server.IDicomFindProvider, ImagePortal.Dicom.Network.Server.IDicomGetProvider
    {
        public IAsyncEnumerable<byte[]> FindAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken) =>
            honest.FindAsync(request, cancellationToken);

        public async Task<IReadOnlyList<ImagePortal.Dicom.Network.Server.RetrieveInstance>> ResolveAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken) =>
            [.. await honest.ResolveAsync(request, cancellationToken), .. await extra.ResolveAsync(request, cancellationToken)];
    }

    /// <summary>Serves a study, but the data set of one instance is bytes that are no DICOM data set.</summary>
    private sealed class GarbledArchive(TestArchive archive, int garbled) : ImagePortal.Dicom.Network.Server.IDicomFindProvider, ImagePortal.Dicom.Network.Server.IDicomGetProvider
    {
        public IAsyncEnumerable<byte[]> FindAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken) =>
            archive.FindAsync(request, cancellationToken);

        public async Task<IReadOnlyList<ImagePortal.Dicom.Network.Server.RetrieveInstance>> ResolveAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken)
        {
            var instances = await archive.ResolveAsync(request, cancellationToken);
            return instances.Select((instance, index) => index != garbled ? instance : instance with
            {
                // An explicit VR element whose length runs far past the data: a truncated or overwritten file.
                OpenDataSet = _ => Task.FromResult<Stream>(new MemoryStream([0x08, 0x00, 0x18, 0x00, (byte)'U', (byte)'I', 0xFF, 0x7F, (byte)'1', (byte)'.', (byte)'2'])),
            }).ToList();
        }
    }
}
