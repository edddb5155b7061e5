using System.Net;
using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A DIMSE source (Orthanc A) and a requester whose import destination is a DICOMweb node: the reconciled instances go
/// by STOW-RS, into Orthanc B's DICOMweb plugin (with and without basic authentication) or into a stub that refuses an
/// instance or fails a batch, with the same ledger, per-instance outcome and retries as a C-STORE destination.
/// </summary>
public sealed class StowDestinationRetrievalTests(StowDestinationFixture fixture) : IClassFixture<StowDestinationFixture>
{
    private const string Password = "stow-secret";

    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("CT_small.dcm", true)]                  // explicit VR little endian
    [InlineData("MR_small_jp2klossless.dcm", false)]    // JPEG 2000 lossless
    [InlineData("MR_small_jpeg_ls_lossless.dcm", true)] // JPEG-LS lossless
    public async Task Approve_WithADicomWebDestination_StoresByStow_PixelDataByteIdentical_UnderTheLocalMrn(string name, bool basicAuthentication)
    {
        var path = TestFiles.Require(name);
        var original = DicomFile.Open(path);
        var mrn = $"MRN-{name.Length}{(basicAuthentication ? "A" : "N")}";
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = basicAuthentication ? (WebImportDestination.User, Password) : null }, Ct);
        await source.UploadAsync(await File.ReadAllBytesAsync(path, Ct), Ct);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        var node = await PointImportDestinationAsync(destination.DicomWebRoot, basicAuthentication ? Password : null);

        var number = await _steps.FileAndApproveAsync(mrn, [Approval(original.Dataset, 1)]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        var sop = original.Dataset.GetString(DicomTag.SOPInstanceUID)!;
        Assert.Equal([sop], await destination.InstanceUidsAsync(Ct));
        var id = (await destination.GetJsonAsync("instances", Ct)).EnumerateArray().Single().GetString()!;
        using var files = new TempDirectory("stow-destination");
        var arrivedPath = files.Combine("arrived.dcm");
        await File.WriteAllBytesAsync(arrivedPath, await destination.Http.GetByteArrayAsync($"instances/{id}/file", Ct), Ct);
        var arrived = DicomFile.Open(arrivedPath);
        Assert.Equal(original.TransferSyntax.Uid, arrived.TransferSyntax.Uid);
        Assert.Equal(DicomWebClientOrthancTests.PixelBytes(original), DicomWebClientOrthancTests.PixelBytes(arrived));
        Assert.Equal(mrn, arrived.Dataset.GetString(DicomTag.PatientID));
        Assert.Equal(original.Dataset.GetString(DicomTag.StudyInstanceUID), arrived.Dataset.GetString(DicomTag.StudyInstanceUID));

        var ledger = await LedgerAsync(request.Id);
        Assert.Equal([(sop, node)], ledger);
        Assert.Contains("1 instance(s) of 1 study(ies) imported into", RetrievalSteps.Timeline(request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStowDestinationThatRefusesOneInstance_EndsPartial_NamingItAndTheReason_TheOthersImportedOnce()
    {
        using var files = new TempDirectory("stow-refuses");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5101", series: 1, imagesPerSeries: 5);
        await study.UploadToAsync(source, Ct);
        var refused = study.SopInstanceUids[2];
        stub.Answer = (_, uids) => (null, uids.Contains(refused) ? new Dictionary<string, ushort> { [refused] = 0xA700 } : null);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        var node = await PointImportDestinationAsync(stub.Root, password: null);

        var request = await _steps.FileApproveAndWaitAsync("MRN-5101", study, TimeSpan.FromSeconds(60));

        var timeline = RetrievalSteps.Timeline(request);
        Assert.True(request.Status == RequestStatus.PartiallyCompleted, timeline);
        Assert.Contains(refused, timeline, StringComparison.Ordinal);
        Assert.Contains("out of resources (0xA700)", timeline, StringComparison.Ordinal);
        var failure = await fixture.DbAsync(db => db.FailedInstances.SingleAsync(f => f.SopInstanceUid == refused, Ct));
        Assert.Contains("refused it: out of resources (0xA700)", failure.Reason, StringComparison.Ordinal);

        var imported = study.SopInstanceUids.Where(u => u != refused).Order().ToList();
        Assert.Equal(imported, stub.Stored.Keys.Order());
        Assert.All(stub.Stored.Values, n => Assert.Equal(1, n));
        Assert.Equal(imported.Select(u => (u, node)), (await LedgerAsync(request.Id)).OrderBy(l => l.Sop));
        Assert.All(stub.Batches, b => Assert.InRange(b.Count, 1, 2));
        foreach (var file in stub.Files.Values)
        {
            var stored = files.Combine($"{Guid.NewGuid():N}.dcm");
            await File.WriteAllBytesAsync(stored, file, Ct);
            Assert.Equal("MRN-5101", DicomFile.Open(stored).Dataset.GetString(DicomTag.PatientID));
        }
    }

    [Fact]
    public async Task AnInstanceStoredWithAWarning_IsImported_AndTheWarningNotedOnTheRequest()
    {
        using var files = new TempDirectory("stow-warning");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5501", series: 1, imagesPerSeries: 3);
        await study.UploadToAsync(source, Ct);
        stub.Warnings = new Dictionary<string, ushort> { [study.SopInstanceUids[1]] = 0xB000 };
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await PointImportDestinationAsync(stub.Root, password: null);

        var request = await _steps.FileApproveAndWaitAsync("MRN-5501", study, TimeSpan.FromSeconds(60));

        var timeline = RetrievalSteps.Timeline(request);
        Assert.True(request.Status == RequestStatus.Completed, timeline);
        Assert.Contains("1 instance(s) stored by NVH cloud archive", timeline, StringComparison.Ordinal);
        Assert.Contains("with a warning: elements were coerced (0xB000)", timeline, StringComparison.Ordinal);
        Assert.Equal(study.SopInstanceUids.Count, (await LedgerAsync(request.Id)).Count);
    }

    [Fact]
    public async Task AStowDestinationAnswering503_ThenStoring_IsRetried_NothingSentTwice()
    {
        using var files = new TempDirectory("stow-503-once");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5201", series: 1, imagesPerSeries: 3);
        await study.UploadToAsync(source, Ct);
        stub.Answer = (n, _) => (n == 1 ? HttpStatusCode.ServiceUnavailable : null, null);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await PointImportDestinationAsync(stub.Root, password: null);

        var request = await _steps.FileApproveAndWaitAsync("MRN-5201", study, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), stub.Stored.Keys.Order());
        Assert.All(stub.Stored.Values, n => Assert.Equal(1, n));
        Assert.Equal(study.SopInstanceUids.Count, (await LedgerAsync(request.Id)).Count);
        // The batch answered 503 was sent again by the client, and stored once.
        Assert.All(stub.Batches.First(), uid => Assert.Equal(2, stub.Sent[uid]));
    }

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(StowStub.LoseConnection)]
    public async Task AStowDestinationFailingPastTheClientsRetries_EndsTheAttempt_AndTheNextSendsOnlyWhatTheLedgerLacks(HttpStatusCode failure)
    {
        using var files = new TempDirectory("stow-503");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: $"SBR-53{(int)failure:00}", series: 1, imagesPerSeries: 5);
        await study.UploadToAsync(source, Ct);
        // The first batch is stored; the second fails twice, the client's one retry included, and the attempt ends.
        stub.Answer = (n, _) => (n is 2 or 3 ? failure : null, null);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await PointImportDestinationAsync(stub.Root, password: null);

        var request = await _steps.FileApproveAndWaitAsync($"MRN-53{(int)failure:00}", study, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(1, await AttemptsAsync(request.Id));
        var first = stub.Batches.First();
        Assert.All(first, uid => Assert.Equal(1, stub.Sent[uid]));
        Assert.Equal(study.SopInstanceUids.Order(), stub.Stored.Keys.Order());
        Assert.All(stub.Stored.Values, n => Assert.Equal(1, n));
        Assert.Equal(study.SopInstanceUids.Count, (await LedgerAsync(request.Id)).Count);
    }

    [Fact]
    public async Task AWrongPassword_FailsTheRequest_SayingTheCredentialsWereRefused_AndWhoMustMendThem_ThenARetryImports()
    {
        using var files = new TempDirectory("stow-401");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (WebImportDestination.User, Password) }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5401", series: 1, imagesPerSeries: 2);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await PointImportDestinationAsync(destination.DicomWebRoot, "not-the-password");

        var request = await _steps.FileApproveAndWaitAsync("MRN-5401", study, TimeSpan.FromSeconds(60));

        var timeline = RetrievalSteps.Timeline(request);
        Assert.True(request.Status == RequestStatus.Failed, timeline);
        Assert.Contains("401", timeline, StringComparison.Ordinal);
        Assert.Contains("refused the credentials", timeline, StringComparison.Ordinal);
        Assert.Contains("An administrator must correct the credentials", timeline, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", timeline, StringComparison.Ordinal);
        Assert.Equal(1, await AttemptsAsync(request.Id));
        Assert.Empty(await LedgerAsync(request.Id));
        Assert.Empty(await destination.InstanceUidsAsync(Ct));

        // The administrator corrects the password, the approver retries: everything is imported.
        await PointImportDestinationAsync(destination.DicomWebRoot, Password);
        var retried = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Jobs.RetryRetrieval(request.Number));
        Assert.True(retried.IsSuccess, retried.Failure?.Message);
        var completed = await _steps.WaitForEndAsync(request.Number, TimeSpan.FromSeconds(60), after: RequestStatus.Failed);
        Assert.True(completed.Status == RequestStatus.Completed, RetrievalSteps.Timeline(completed));
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(study.SopInstanceUids.Count, (await LedgerAsync(request.Id)).Count);
    }

    private Task<Guid> PointImportDestinationAsync(Uri root, string? password) => WebImportDestination.PointNvhAtAsync(fixture, root, password);

    private static ApprovedStudy Approval(DicomDataset file, int instances) =>
        new(file.GetString(DicomTag.StudyInstanceUID)!, null, file.GetString(DicomTag.Modality) ?? "OT", null, null, instances,
            new SourcePatient(file.GetString(DicomTag.PatientID)!, null, file.GetString(DicomTag.PatientName) ?? string.Empty, null));

    private Task<List<(string Sop, Guid Node)>> LedgerAsync(Guid requestId) => fixture.DbAsync(async db =>
    {
        var job = await db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == requestId, Ct);
        return (await db.ImportedInstances.AsNoTracking().Where(i => i.JobId == job.Id).Select(i => new { i.SopInstanceUid, i.DestinationNodeId }).ToListAsync(Ct))
            .Select(i => (i.SopInstanceUid, i.DestinationNodeId)).ToList();
    });

    private Task<int> AttemptsAsync(Guid requestId) =>
        fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().Where(j => j.RequestId == requestId).Select(j => j.Attempts).SingleAsync(Ct));
}
