using ImagePortal.Domain.Retrievals;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Identity;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>Seeds what the auditor's pages show: users of any role at any facility, and requests in every state.</summary>
internal static class AuditorSupport
{
    /// <summary>The demo's network-wide auditor (ImagePortal.Web/appsettings.json).</summary>
    public const string NetworkAuditor = "auditor";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static Task<Guid> FacilityIdAsync(UseCaseFixture fixture, string code) =>
        fixture.DbAsync(db => db.Facilities.Where(f => f.Code == code).Select(f => f.Id).SingleAsync(Cancel));

    /// <summary>Creates the user once per fixture (a facility auditor, a clerk where the demo has none).</summary>
    public static async Task<string> EnsureUserAsync(UseCaseFixture fixture, string userName, string role, string facilityCode)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        if (await users.FindByNameAsync(userName) is null)
        {
            var user = new ApplicationUser
            {
                UserName = userName,
                DisplayName = userName,
                FacilityId = await FacilityIdAsync(fixture, facilityCode),
                CreatedAt = DateTimeOffset.UtcNow,
            };
            Assert.True((await users.CreateAsync(user, "a-long-test-password")).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
        }

        return userName;
    }

    /// <summary>Writes <paramref name="count"/> events about <paramref name="objectReference"/> straight into the trail.</summary>
    public static async Task RecordAsync(UseCaseFixture fixture, string objectReference, int count)
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var trail = scope.ServiceProvider.GetRequiredService<ImagePortal.Infrastructure.Audit.IAuditTrail>();
        for (var i = 1; i <= count; i++)
        {
            await trail.RecordAsync(
                new ImagePortal.Infrastructure.Audit.AuditEntry(ImagePortal.Domain.Audit.AuditEventType.Query, ImagePortal.Domain.Audit.AuditAction.Read,
                    ImagePortal.Domain.Audit.AuditOutcome.Success, $"event {i} of {objectReference}", ObjectReference: objectReference),
                "u1", "recorder", null, null, Cancel);
        }
    }

    public static async Task<string> FileAsync(UseCaseFixture fixture, string clerk, string sourceCode, string localMrn)
    {
        var result = await fixture.CommandAsync(clerk, Build.FileRequest(await FacilityIdAsync(fixture, sourceCode)) with
        {
            FamilyName = "Auditee", GivenName = "Pat", LocalMrn = localMrn, Modalities = ["CT"],
            ClinicalReason = "Prior imaging for comparison", ConfirmedNotDuplicate = true,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!.Number!;
    }

    public static async Task<Guid> ClaimAsync(UseCaseFixture fixture, string approver, string number)
    {
        var details = await fixture.QueryAsync(approver, new GetRequest(number));
        var claimed = await fixture.CommandAsync(approver, new ClaimRequest(number, details.Value!.Version));
        Assert.True(claimed.IsSuccess, claimed.Failure?.Message);
        return (await fixture.QueryAsync(approver, new GetRequest(number))).Value!.Version;
    }

    public static async Task DenyAsync(UseCaseFixture fixture, string approver, string number, DenialReason reason)
    {
        var version = await ClaimAsync(fixture, approver, number);
        var denied = await fixture.CommandAsync(approver, new DenyRequest(number, version, reason, "Checked our PACS"));
        Assert.True(denied.IsSuccess, denied.Failure?.Message);
    }

    /// <summary>Approves with one study of <paramref name="instances"/> images, then imports it as a retrieval worker would.</summary>
    /// <param name="imported">How many instances the worker really imported (the ledger); <paramref name="instances"/> when null.</param>
    public static async Task ApproveAndCompleteAsync(UseCaseFixture fixture, string approver, string number, int instances, string studyUid, int? imported = null)
    {
        var version = await ClaimAsync(fixture, approver, number);
        var approved = await fixture.CommandAsync(approver, new ApproveRequest(
            number, version, [new ApprovedStudy(studyUid, new DateOnly(2025, 5, 2), "CT", "CT THORAX", null, instances, new SourcePatient("SBR-77120", null, null, null))]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);
        await fixture.DbAsync(async db =>
        {
            var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Number == number, Cancel);
            request.StartRetrieval(DateTimeOffset.UtcNow);
            var done = imported ?? instances;
            request.CompleteRetrieval(done, instances - done, DateTimeOffset.UtcNow);
            var job = await db.RetrievalJobs.SingleAsync(j => j.RequestId == request.Id, Cancel);
            var destination = await db.DicomNodes.Where(n => n.FacilityId == request.RequestingFacilityId).Select(n => n.Id).FirstAsync(Cancel);
            for (var i = 1; i <= done; i++)
            {
                db.ImportedInstances.Add(new ImportedInstance(job.Id, destination, studyUid, $"{studyUid}.{i}", 1000, DateTimeOffset.UtcNow));
            }

            return await db.SaveChangesAsync(Cancel);
        });
    }
}
