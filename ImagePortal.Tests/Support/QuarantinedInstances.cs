using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Features.Audit;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Support;

/// <summary>An approved request of NVH at SBR, as the use cases leave it, to quarantine instances on.</summary>
public sealed record ApprovedRequest(string Number, Guid RequestId, Guid JobId, string StudyInstanceUid, string LocalMrn, string SourcePatientId);

/// <summary>A held instance: its row, and its file in the portal's quarantine folder.</summary>
public sealed record HeldInstance(Guid Id, ApprovedRequest Request, string SopInstanceUid, string PatientId, string Path, long Bytes);

/// <summary>
/// Quarantined instances as a retrieval worker leaves them: a request filed by NVH's clerk and approved by SBR's approver
/// through the use cases, a synthetic DICOM file under a generated name in the quarantine folder, and its row.
/// </summary>
public static class QuarantinedInstances
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<ApprovedRequest> ApprovedRequestAsync(UseCaseFixture fixture, string localMrn, string sourcePatientId = "SBR-6100")
    {
        var number = await AuditorSupport.FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", localMrn);
        var version = await AuditorSupport.ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, number);
        var studyUid = SyntheticStudy.NewUid();
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, version,
            [new ApprovedStudy(studyUid, new DateOnly(2024, 1, 15), "CT", "Synthetic test study", null, 2, new SourcePatient(sourcePatientId, null, null, null))]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
        var (requestId, jobId) = await fixture.DbAsync(async db =>
        {
            var request = await db.ImageRequests.SingleAsync(r => r.Number == number, Ct);
            return (request.Id, await db.RetrievalJobs.Where(j => j.RequestId == request.Id).Select(j => j.Id).SingleAsync(Ct));
        });
        return new ApprovedRequest(number, requestId, jobId, studyUid, localMrn, sourcePatientId);
    }

    /// <summary>
    /// One instance of the approved study that the source sent under <paramref name="patientId"/>, quarantined at
    /// <paramref name="receivedAt"/> (now when null).
    /// </summary>
    public static async Task<HeldInstance> HoldAsync(
        UseCaseFixture fixture, ApprovedRequest request, string patientId = "SBR-6199", DateTimeOffset? receivedAt = null,
        string reason = "patient ID 'SBR-6199' is not 'SBR-6100', the patient the study was approved for")
    {
        var store = fixture.Services.GetRequiredService<QuarantineStore>();
        using var files = new TempDirectory("quarantined");
        var study = SyntheticStudy.Write(files.Path, patientName: "Other^Patient", patientId: patientId, series: 1, imagesPerSeries: 1, studyUid: request.StudyInstanceUid);
        Directory.CreateDirectory(store.Directory);
        var fileName = Guid.NewGuid().ToString("N") + ".dcm";
        var path = store.PathOf(fileName);
        File.Copy(study.Files.Single(), path);
        var bytes = new FileInfo(path).Length;
        var sop = study.SopInstanceUids.Single();
        var held = new QuarantinedInstance(request.JobId, request.RequestId, sop, request.StudyInstanceUid, patientId, reason, fileName, bytes,
            receivedAt ?? DateTimeOffset.UtcNow, "SBR_PACS");
        await fixture.DbAsync(db =>
        {
            db.QuarantinedInstances.Add(held);
            return db.SaveChangesAsync(Ct);
        });
        return new HeldInstance(held.Id, request, sop, patientId, path, bytes);
    }

    public static Task<QuarantinedInstance> RowAsync(UseCaseFixture fixture, Guid id) =>
        fixture.DbAsync(db => db.QuarantinedInstances.AsNoTracking().SingleAsync(q => q.Id == id, Ct));
}
