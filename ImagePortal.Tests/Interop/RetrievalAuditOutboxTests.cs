using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// A job's end and its "instances transferred" audit events commit together. They were appended to the
/// chain after the job's end had committed, so a worker that died in between (MultiNodeTests kills one) or a database
/// that refused that one write left a finished import with no audit event, for good. Now the events are staged in the
/// finish transaction and sealed right after; what could not be sealed then is sealed by the next sweep, once.
/// </summary>
public sealed class RetrievalAuditOutboxTests(AuditFaultRetrievalFixture fixture) : IClassFixture<AuditFaultRetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnImportWhoseAuditEventCouldNotBeWrittenAfterItsCommit_IsStillAudited_Once_WhenTheDatabaseRecovers()
    {
        using var files = new TempDirectory("retrieve-audit-outbox");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-8500", series: 1, imagesPerSeries: 2);
        await using var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS");
        await using var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: new TestArchive(study.Files), get: new TestArchive(study.Files));
        await _steps.PointNodeAsync("SBR", "SBR_PACS", source.Port, DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);

        fixture.Fault.Failing = true;
        string number;
        try
        {
            number = await _steps.FileAndApproveAsync("NVH-8500", study);
            var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(30));
            Assert.Equal(RequestStatus.Completed, request.Status);
            await Poll.UntilAsync(() => Task.FromResult(fixture.Fault.Hits > 0), TimeSpan.FromSeconds(10), () => Task.FromResult("The transfer's audit event was never written."));
            Assert.Empty(await TransferredEventsAsync(number));
        }
        finally
        {
            fixture.Fault.Failing = false;
        }

        await Poll.UntilAsync(async () => (await TransferredEventsAsync(number)).Count > 0, TimeSpan.FromSeconds(10),
            () => Task.FromResult($"Request {number} ended, but its \"instances transferred\" event was lost with the failed write."));
        var events = await TransferredEventsAsync(number);
        var transferred = Assert.Single(events);
        Assert.Contains($"study {study.StudyInstanceUid}", transferred.Description, StringComparison.Ordinal);
        Assert.Contains("2 of 2 instances imported", transferred.Description, StringComparison.Ordinal);
        Assert.Equal(("retrieval worker", "NVH-8500"), (transferred.UserName?[..16], transferred.PatientId));
        Assert.Empty(await fixture.DbAsync(db => db.StagedAuditEvents.AsNoTracking().ToListAsync(Ct)));

        var verification = await fixture.Services.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Ct);
        Assert.True(verification.IsIntact, verification.Problem);
    }

    private Task<List<AuditEvent>> TransferredEventsAsync(string number) => fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
        .Where(e => e.ObjectReference == number && e.Type == AuditEventType.InstancesTransferred).ToListAsync(Ct));
}
