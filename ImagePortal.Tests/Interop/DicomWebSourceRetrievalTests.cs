using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Jobs;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Retrieval from a source facility whose PACS speaks only DICOMweb (Orthanc A with its DICOMweb plugin, or a stub that
/// answers badly on purpose) into a DIMSE destination (Orthanc B): QIDO-RS finds and lists, WADO-RS retrieves, and every
/// instance goes through the same intake as by C-GET: patient check, quarantine, reconciliation, ledger, retries.
/// </summary>
public sealed class DicomWebSourceRetrievalTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private const string User = "portal";
    private const string Password = "dicomweb-secret";
    private const string LocalIssuer = "NVH-MRN";

    private readonly RetrievalSteps _steps = new(fixture);
    private readonly WebSourceSteps _web = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WebSource_WithBasicAuth_ImportsAnUncompressedAndACompressedStudy_UnderTheLocalMrn_WithPixelDataIdentical()
    {
        using var files = new TempDirectory("web-source");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_WEB", DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var plain = SyntheticStudy.Write(files.Combine("plain"), patientId: "SBR-9100");
        await plain.UploadToAsync(source, Ct);
        var compressed = WebSourceSteps.CompressedStudy(files.Combine("compressed"), "SBR-9100", plain.PatientName);
        foreach (var file in compressed.Files)
        {
            await source.UploadAsync(await File.ReadAllBytesAsync(file, Ct), Ct);
        }

        await _web.PointWebSourceAsync(source.DicomWebRoot, User, Password);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-9100",
            [RetrievalSteps.Approval(plain), WebSourceSteps.Approval(compressed.StudyUid, compressed.Files.Count, "SBR-9100", plain.PatientName)]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        var all = plain.SopInstanceUids.Concat(compressed.SopInstanceUids).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(all, (await destination.InstanceUidsAsync(Ct)).Order(StringComparer.Ordinal));
        var syntaxes = await WebSourceSteps.AssertArrivedAsync(source, destination, "MRN-9100");
        foreach (var id in (await WebSourceSteps.OrthancIdsAsync(destination)).Values)
        {
            var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
            Assert.Equal(LocalIssuer, tags.GetProperty("IssuerOfPatientID").GetString());
            Assert.Equal(plain.PatientName, tags.GetProperty("PatientName").GetString());
        }

        // JPEG 2000 lossless and JPEG-LS lossless arrived as the source holds them, beside the uncompressed CT.
        Assert.Contains("1.2.840.10008.1.2.4.90", syntaxes);
        Assert.Contains("1.2.840.10008.1.2.4.80", syntaxes);
        var (job, ledger) = await fixture.DbAsync(async db =>
        {
            var j = await db.RetrievalJobs.Include(x => x.Studies).SingleAsync(x => x.RequestId == request.Id, Ct);
            return (j, await db.ImportedInstances.Where(i => i.JobId == j.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct));
        });
        Assert.Equal(RetrievalJobState.Succeeded, job.State);
        Assert.Equal(all, ledger.Order(StringComparer.Ordinal));
        Assert.Equal(all.Count, job.DoneInstances);
        Assert.Equal([plain.SopInstanceUids.Count, compressed.Files.Count], job.Studies.OrderByDescending(s => s.ExpectedInstances).Select(s => s.DoneInstances));
        var audit = await _steps.TransferredAsync(number);
        Assert.Contains(audit, e => e.Description.Contains($"{plain.SopInstanceUids.Count} of {plain.SopInstanceUids.Count} instances imported"));
    }

    [Fact]
    public async Task WebSource_AFileWhoseMetaGroupNamesAnotherInstance_IsImportedAsItsDataSet_AsByCGet()
    {
        // pydicom's rtdose.dcm names one SOP Instance UID in its meta group (0002,0003) and another in its data set
        // (0008,0018). A C-STORE sub-operation names the data set's; so must a WADO-RS part, or the intake quarantines it.
        using var files = new TempDirectory("web-source-meta");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_WEB", DicomWeb = true }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var (studyUid, sop) = (SyntheticStudy.NewUid(), SyntheticStudy.NewUid());
        var file = ImagePortal.Dicom.Data.DicomFile.Open(TestFiles.Require("rtdose.dcm"));
        file.Dataset.SetString(ImagePortal.Dicom.Data.DicomTag.StudyInstanceUID, studyUid);
        file.Dataset.SetString(ImagePortal.Dicom.Data.DicomTag.SeriesInstanceUID, SyntheticStudy.NewUid());
        file.Dataset.SetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID, sop);
        file.Dataset.SetString(ImagePortal.Dicom.Data.DicomTag.PatientID, "SBR-9600");
        file.FileMetaInformation.SetString(ImagePortal.Dicom.Data.DicomTag.MediaStorageSOPInstanceUID, SyntheticStudy.NewUid());
        var path = files.Combine("rtdose.dcm");
        file.Save(path);
        await source.UploadAsync(await File.ReadAllBytesAsync(path, Ct), Ct);
        await _web.PointWebSourceAsync(source.DicomWebRoot);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-9600", [WebSourceSteps.Approval(studyUid, 1, "SBR-9600", file.Dataset.GetString(ImagePortal.Dicom.Data.DicomTag.PatientName) ?? string.Empty)]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal([sop], await destination.InstanceUidsAsync(Ct));
        Assert.Empty(await fixture.DbAsync(db => db.QuarantinedInstances.Where(q => q.RequestId == request.Id).ToListAsync(Ct)));
        await WebSourceSteps.AssertArrivedAsync(source, destination, "MRN-9600");
    }

    [Fact]
    public async Task WebSource_Answering401_FailsAtOnce_NamingTheNodeWhoseCredentialsToCorrect_AndARetryOnceTheyAreFixedCompletes()
    {
        using var files = new TempDirectory("web-source-401");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_WEB", DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-9200", series: 1, imagesPerSeries: 2);
        await study.UploadToAsync(source, Ct);
        await _web.PointWebSourceAsync(source.DicomWebRoot, User, "not-the-password");
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-9200", study);
        var failed = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.Equal(RequestStatus.Failed, failed.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == failed.Id, Ct));
        // Refused credentials are refused again on every retry: failed at once, as a STOW-RS destination's are.
        Assert.Equal(1, job.Attempts);
        Assert.Contains("answered 401", job.LastError);
        Assert.Contains("refused the credentials", job.LastError);
        Assert.Contains("An administrator must correct the credentials of SBR archive, the DICOMweb node of SBR", job.LastError);
        Assert.Contains("An administrator must correct the credentials of SBR archive", RetrievalSteps.Timeline(failed), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", job.LastError);
        Assert.Empty(await destination.InstanceUidsAsync(Ct));

        await _web.PointWebSourceAsync(source.DicomWebRoot, User, Password);
        var retried = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new RetryRetrieval(number));
        Assert.True(retried.IsSuccess, retried.Failure?.Message);
        var completed = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90), after: RequestStatus.Failed);

        Assert.True(completed.Status == RequestStatus.Completed, RetrievalSteps.Timeline(completed));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
    }

    [Fact]
    public async Task WebSource_Answering503ThenOk_IsAskedAgain_AndTheImportCompletes()
    {
        using var files = new TempDirectory("web-source-503");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-9300", series: 1, imagesPerSeries: 3);
        await using var source = await StubDicomWebSource.StartAsync(study.Files, Ct);
        source.FaultFirstRetrieve(async (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            await context.Response.WriteAsync("busy", Ct);
        });
        await _web.PointWebSourceAsync(source.Root);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var request = await _steps.FileApproveAndWaitAsync("MRN-9300", study, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(2, source.Requests.Count(r => r == $"GET /dicom-web/studies/{study.StudyInstanceUid}"));
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.CountAsync(i => study.SopInstanceUids.Contains(i.SopInstanceUid), Ct));
        Assert.Equal(study.SopInstanceUids.Count, ledger);
    }

    [Fact]
    public async Task WebSource_AnswerCutShort_FailsTheAttempt_AndTheRetryAsksOnlyForWhatIsMissing_NothingDoubled()
    {
        using var files = new TempDirectory("web-source-cut");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-9400", series: 1, imagesPerSeries: 3, rows: 64, columns: 64);
        await using var source = await StubDicomWebSource.StartAsync(study.Files, Ct);
        source.FaultFirstRetrieve(async (context, normal) =>
        {
            // The first part whole, then the answer ends in the middle of the second (a server or proxy that gave up
            // mid-way; aborting the connection instead races the headers, and the HTTP client's own retry hides it).
            using var whole = new MemoryStream();
            await normal(whole);
            await context.Response.Body.WriteAsync(whole.GetBuffer().AsMemory(0, (int)(whole.Length / 2)), Ct);
        });
        await _web.PointWebSourceAsync(source.Root);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var request = await _steps.FileApproveAndWaitAsync("MRN-9400", study, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Ct));
        // One attempt failed (Attempts counts the failed ones), and the next completed.
        Assert.True(job.Attempts == 1, $"{job.Attempts} failed attempt(s), last error {job.LastError}; asked: {string.Join(", ", source.Requests)}");
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.Where(i => i.JobId == job.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct));
        Assert.Equal(study.SopInstanceUids.Order(), ledger.Order());
        var instancesAsked = source.Requests.Where(r => r.Contains("/instances/", StringComparison.Ordinal)).Select(r => r.Split('/')[^1]).ToList();
        Assert.Equal(study.SopInstanceUids.Skip(1).Order(), instancesAsked.Order());
    }

    [Fact]
    public async Task WebSource_APartThatIsNotDicom_IsSkipped_TheRestImported_AndTheRetryAsksForTheMissingOneByUid()
    {
        using var files = new TempDirectory("web-source-not-dicom");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-9450", series: 1, imagesPerSeries: 3);
        await using var source = await StubDicomWebSource.StartAsync(study.Files, Ct);
        source.FaultFirstRetrieve(async (context, _) =>
        {
            await StubDicomWebSource.WriteMultipartAsync(context, context.Response.Body,
                [await File.ReadAllBytesAsync(study.Files[0], Ct), "<html>Please log in</html>"u8.ToArray(), await File.ReadAllBytesAsync(study.Files[2], Ct)]);
        });
        await _web.PointWebSourceAsync(source.Root);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var request = await _steps.FileApproveAndWaitAsync("MRN-9450", study, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var job = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.True(job.Attempts == 1, $"{job.Attempts} failed attempt(s), last error {job.LastError}");
        var instancesAsked = source.Requests.Where(r => r.Contains("/instances/", StringComparison.Ordinal)).Select(r => r.Split('/')[^1]).ToList();
        Assert.Equal([study.SopInstanceUids[1]], instancesAsked);
        var ledger = await fixture.DbAsync(db => db.ImportedInstances.CountAsync(i => i.JobId == job.Id, Ct));
        Assert.Equal(study.SopInstanceUids.Count, ledger);
    }

    [Fact]
    public async Task WebSource_AnInstanceOfAnotherPatientInsideTheApprovedStudy_IsQuarantined_AndTheApprovedPatientsImagesAreImported()
    {
        using var files = new TempDirectory("web-source-stranger");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-9500", series: 1, imagesPerSeries: 2);
        var stranger = SyntheticStudy.Write(files.Combine("x"), patientName: "Other^Patient", patientId: "SBR-9599", series: 1, imagesPerSeries: 1, studyUid: study.StudyInstanceUid);
        await using var source = await StubDicomWebSource.StartAsync([.. study.Files, .. stranger.Files], Ct);
        await _web.PointWebSourceAsync(source.Root);
        await _steps.PointNodeAsync("NVH", destination.AeTitle, destination.DicomPort, DicomCapabilities.All);

        var request = await _steps.FileApproveAndWaitAsync("MRN-9500", study, TimeSpan.FromSeconds(90));

        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var quarantined = Assert.Single(await fixture.DbAsync(db => db.QuarantinedInstances.Where(q => q.RequestId == request.Id).ToListAsync(Ct)));
        Assert.Equal(stranger.SopInstanceUids.Single(), quarantined.SopInstanceUid);
        Assert.Contains("patient ID 'SBR-9599' is not 'SBR-9500'", quarantined.Reason);
        Assert.Equal(1, await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => e.ObjectReference == request.Number && e.Type == AuditEventType.SecurityAlert, Ct)));
        // The source listed it under the approved study: it is named as failed, quarantined, and the request says so.
        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        var failure = await fixture.DbAsync(db => db.FailedInstances.SingleAsync(f => f.SopInstanceUid == stranger.SopInstanceUids.Single(), Ct));
        Assert.StartsWith("quarantined: ", failure.Reason);
    }
}
