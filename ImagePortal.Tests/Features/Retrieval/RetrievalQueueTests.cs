using System.Collections.Concurrent;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>The durable queue on a real database: leases are exclusive, expire, and end only for their owner.</summary>
public abstract class RetrievalQueueTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int _numbers = 900000;

    [Fact]
    public async Task TwoWorkers_And20Jobs_EveryJobIsLeasedByExactlyOneWorker()
    {
        var jobs = await QueueJobsAsync(20);

        // Two lessees with their own queue objects and connections, racing for the same rows as two processes would.
        var factory = fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();
        var leases = new ConcurrentBag<(Guid Job, string Owner)>();
        async Task WorkAsync(string owner)
        {
            var queue = new RetrievalQueue(factory, TimeProvider.System);
            while (await queue.TryLeaseAsync(owner, TimeSpan.FromMinutes(5), Ct) is { } lease)
            {
                if (jobs.Contains(lease.JobId))
                {
                    leases.Add((lease.JobId, owner));
                }

                Assert.True(await queue.FinishAsync(factory.CreateDbContext(), lease, RetrievalJobState.Succeeded, null, Ct));
            }
        }

        await Task.WhenAll(WorkAsync("worker-a"), WorkAsync("worker-b"), WorkAsync("worker-c"));

        Assert.Equal(jobs.Order(), leases.Select(l => l.Job).Order());
        Assert.Equal(20, leases.Select(l => l.Job).Distinct().Count());
    }

    [Fact]
    public async Task AnExpiredLease_IsTakenOverByAnotherWorker_AndTheFirstCanNoLongerWriteOrFinish()
    {
        var job = (await QueueJobsAsync(1)).Single();
        var queue = fixture.Services.GetRequiredService<RetrievalQueue>();
        var first = await LeaseAsync(queue, "dead-worker", job, TimeSpan.FromMilliseconds(300));

        await Task.Delay(400, Ct);
        var second = await LeaseAsync(queue, "other-worker", job, TimeSpan.FromMinutes(1));

        Assert.Equal(RenewResult.Lost, await queue.RenewAsync(first, TimeSpan.FromMinutes(1), Ct));
        Assert.False(await queue.ReportProgressAsync(first, new RetrievalProgressSnapshot([]), Ct));
        await using (var db = await fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct))
        {
            Assert.False(await queue.FinishAsync(db, first, RetrievalJobState.Succeeded, null, Ct));
        }

        Assert.Equal(RenewResult.Held, await queue.RenewAsync(second, TimeSpan.FromMinutes(1), Ct));
        var row = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.Id == job, Ct));
        Assert.Equal(("other-worker", RetrievalJobState.Running), (row.LeaseOwner, row.State));
    }

    /// <summary>
    /// A heartbeat renews the lease and writes the job's counters in one UPDATE, which a job whose cancel was asked for
    /// does not match: a second one then still renews that lease for its worker (who ends the job) and says so.
    /// </summary>
    [Fact]
    public async Task ARenewal_WritesTheProgressWithTheLease_AndACancelAskedFor_StillRenewsTheLeaseForItsWorker()
    {
        var job = (await QueueJobsAsync(1)).Single();
        var queue = fixture.Services.GetRequiredService<RetrievalQueue>();
        var lease = await LeaseAsync(queue, "worker", job, TimeSpan.FromMinutes(1));
        var study = await fixture.DbAsync(db => db.Set<RetrievalStudyProgress>().Where(s => s.JobId == job).Select(s => s.StudyInstanceUid).SingleAsync(Ct));
        var progress = new RetrievalProgressSnapshot([new StudyProgressSnapshot(study, 10, 4, 1, 4096, DateTimeOffset.UtcNow, null)]);

        Assert.Equal(RenewResult.Held, await queue.RenewAsync(lease, TimeSpan.FromMinutes(2), Ct, progress));
        var row = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.Id == job, Ct));
        Assert.Equal((10, 4, 1, 4096L), (row.ExpectedInstances, row.DoneInstances, row.FailedInstances, row.DoneBytes));
        Assert.Equal(4, await fixture.DbAsync(db => db.Set<RetrievalStudyProgress>().Where(s => s.JobId == job).Select(s => s.DoneInstances).SingleAsync(Ct)));

        await fixture.DbAsync(async db =>
        {
            (await db.RetrievalJobs.SingleAsync(j => j.Id == job, Ct)).RequestCancel(DateTimeOffset.UtcNow);
            return await db.SaveChangesAsync(Ct);
        });
        Assert.Equal(RenewResult.CancelRequested, await queue.RenewAsync(lease, TimeSpan.FromMinutes(5), Ct, progress));
        var cancelled = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.Id == job, Ct));
        Assert.Equal(("worker", RetrievalJobState.Running), (cancelled.LeaseOwner, cancelled.State));
        Assert.True(cancelled.LeaseExpiresAt > row.LeaseExpiresAt, $"The lease was not renewed: {cancelled.LeaseExpiresAt} after {row.LeaseExpiresAt}");
        Assert.Equal(RenewResult.Lost, await queue.RenewAsync(lease with { Owner = "another-worker" }, TimeSpan.FromMinutes(5), Ct, progress));

        await using var end = await fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(Ct);
        Assert.True(await queue.FinishAsync(end, lease, RetrievalJobState.Cancelled, null, Ct));
    }

    [Fact]
    public async Task ATransientFailure_GoesBackToTheQueueWithBackoff_AndIsNotDueBeforeThen()
    {
        var job = (await QueueJobsAsync(1)).Single();
        var queue = fixture.Services.GetRequiredService<RetrievalQueue>();
        var lease = await LeaseAsync(queue, "worker", job, TimeSpan.FromMinutes(1));

        Assert.True(await queue.RescheduleAsync(lease, TimeSpan.FromMinutes(10), "PACS X cannot be reached", Ct));

        var row = await fixture.DbAsync(db => db.RetrievalJobs.SingleAsync(j => j.Id == job, Ct));
        Assert.Equal((RetrievalJobState.Queued, 1, "PACS X cannot be reached"), (row.State, row.Attempts, row.LastError));
        Assert.True(row.NextAttemptAt > DateTimeOffset.UtcNow.AddMinutes(9));
        for (var i = 0; i < 5 && await queue.TryLeaseAsync("worker", TimeSpan.FromMinutes(1), Ct) is { } other; i++)
        {
            Assert.NotEqual(job, other.JobId);
        }
    }

    /// <summary>
    /// Partners send a C-MOVE's instances to one address, so with several worker nodes only the worker there
    /// can finish a job whose source offers C-MOVE alone; a worker with <c>Retrieval:ReceivesMoves=false</c> leaves it.
    /// </summary>
    [Fact]
    public async Task AWorkerThatReceivesNoMoves_LeavesJobsWhoseSourceOffersOnlyCMove_ToOneThatDoes()
    {
        var queue = fixture.Services.GetRequiredService<RetrievalQueue>();
        var capabilities = await SourceCapabilitiesAsync(DicomCapabilities.Echo | DicomCapabilities.Find | DicomCapabilities.Move | DicomCapabilities.Store);
        try
        {
            var job = (await QueueJobsAsync(1)).Single();
            await Assert.ThrowsAsync<InvalidOperationException>(() => LeaseAsync(queue, "get-only worker", job, TimeSpan.FromMinutes(1), receivesMoves: false));
            var lease = await LeaseAsync(queue, "move worker", job, TimeSpan.FromMinutes(1), receivesMoves: true);
            await queue.ReleaseAsync(lease, Ct);

            // Once the source offers C-GET, any worker takes it.
            await SourceCapabilitiesAsync(capabilities);
            lease = await LeaseAsync(queue, "get-only worker", job, TimeSpan.FromMinutes(1), receivesMoves: false);
            await queue.ReleaseAsync(lease, Ct);
        }
        finally
        {
            await SourceCapabilitiesAsync(capabilities);
        }
    }

    /// <summary>Sets SBR's node's capabilities; returns what they were.</summary>
    private async Task<DicomCapabilities> SourceCapabilitiesAsync(DicomCapabilities capabilities) => await fixture.DbAsync(async db =>
    {
        var sbr = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", Ct);
        var node = sbr.Nodes.Single();
        var before = node.Capabilities;
        sbr.UpdateNode(node.Id, node.Name, node.AeTitle, node.Host, node.Port, capabilities, node.UseTls);
        await db.SaveChangesAsync(Ct);
        return before;
    });

    [Fact]
    public void Backoff_DoublesUpToTheCap_WithJitterBetweenHalfAndAll()
    {
        var first = RetrievalJob.Backoff(1, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), 1);
        var third = RetrievalJob.Backoff(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), 1);
        var capped = RetrievalJob.Backoff(30, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), 1);
        var jittered = RetrievalJob.Backoff(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), 0);

        Assert.Equal(TimeSpan.FromSeconds(10), first);
        Assert.Equal(TimeSpan.FromSeconds(40), third);
        Assert.Equal(TimeSpan.FromMinutes(1), capped);
        Assert.Equal(TimeSpan.FromSeconds(20), jittered);
    }

    [Fact]
    public async Task Approve_QueuesExactlyOneJob_InTheSameSave_AndOnlyTheRightPeopleMayCancelIt()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Queue", GivenName = "Test", Sex = PatientSex.Female, LocalMrn = "NVH-Q1", Modalities = ["CT"],
            ClinicalReason = "Compare",
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.ClaimRequest(number, seen.Value!.Version));
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.GetRequest(number));
        var approve = new ImagePortal.Web.Features.Requests.ApproveRequest(number, seen.Value!.Version,
            [new ImagePortal.Web.Features.Requests.ApprovedStudy("1.2.3.4.5", null, "CT", null, null, 10, new SourcePatient("SBR-1", null, null, null))]);

        var first = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, approve);
        var replayed = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, approve);

        Assert.True(first.IsSuccess, first.Failure?.Message);
        Assert.Equal(FailureKind.Conflict, replayed.Failure!.Kind);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.Include(j => j.Studies)
            .SingleAsync(j => db.ImageRequests.Any(r => r.Id == j.RequestId && r.Number == number), Ct));
        Assert.Equal(RetrievalJobState.Queued, job.State);
        Assert.Equal(("1.2.3.4.5", 10), (job.Studies.Single().StudyInstanceUid, job.Studies.Single().ExpectedInstances));

        // Another facility's clerk, and an approver of the requesting side: "not found".
        Assert.Equal(FailureKind.NotFound, (await fixture.CommandAsync(DemoUsers.ClerkSbr.UserName, new CancelRetrieval(number))).Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, (await fixture.CommandAsync(DemoUsers.ApproverNvh.UserName, new CancelRetrieval(number))).Failure!.Kind);
        Assert.Equal(FailureKind.Invalid, (await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new RetryRetrieval(number))).Failure!.Kind);

        var cancelled = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new CancelRetrieval(number));
        var twice = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new CancelRetrieval(number));

        Assert.True(cancelled.IsSuccess, cancelled.Failure?.Message);
        Assert.Equal(FailureKind.Invalid, twice.Failure!.Kind);
        Assert.True(await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.Id == job.Id).Select(j => j.CancelRequested).SingleAsync(Ct)));
    }

    [Fact]
    public async Task TheJobsBoard_ShowsEachUserOnlyTheJobsOfTheirFacilityAndRole()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Board", GivenName = "Test", Sex = PatientSex.Female, LocalMrn = "NVH-B1", Modalities = ["CT"],
            ClinicalReason = "Compare",
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.ClaimRequest(number, seen.Value!.Version));
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ImagePortal.Web.Features.Requests.ApproveRequest(number, seen.Value!.Version,
            [new ImagePortal.Web.Features.Requests.ApprovedStudy("1.2.3.4.6", null, "CT", null, null, 7, new SourcePatient("SBR-1", null, null, null))]));

        async Task<bool> SeesAsync(string user) =>
            (await fixture.QueryAsync(user, new ListJobs(0, 100))).Value!.Items.Any(j => j.Number == number);

        Assert.True(await SeesAsync(DemoUsers.ApproverSbr.UserName));
        Assert.True(await SeesAsync(DemoUsers.ClerkNvh.UserName));
        Assert.True(await SeesAsync(DemoUsers.AdminNvh.UserName));
        Assert.True(await SeesAsync(DemoUsers.NetworkAdmin.UserName));
        Assert.False(await SeesAsync(DemoUsers.ClerkSbr.UserName));
        Assert.False(await SeesAsync(DemoUsers.ApproverNvh.UserName));
        var progress = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetJobProgress(number))).Value!;
        Assert.Equal((RetrievalJobState.Queued, 0, 7), (progress.State, progress.Done, progress.Studies.Single().Expected));
        Assert.Null((await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetJobProgress(number))).Value);
        Assert.False((await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListJobs(0, 1000))).IsSuccess, "pages are capped");
    }

    private async Task<RetrievalLease> LeaseAsync(RetrievalQueue queue, string owner, Guid job, TimeSpan duration, bool receivesMoves = true)
    {
        // Other tests' jobs may be due too: lease until this one comes up, giving the others back.
        var others = new List<RetrievalLease>();
        try
        {
            while (await queue.TryLeaseAsync(owner, duration, Ct, receivesMoves) is { } lease)
            {
                if (lease.JobId == job)
                {
                    return lease;
                }

                others.Add(lease);
            }

            throw new InvalidOperationException("The job was not due.");
        }
        finally
        {
            foreach (var other in others)
            {
                await queue.ReleaseAsync(other, Ct);
            }
        }
    }

    private async Task<HashSet<Guid>> QueueJobsAsync(int count) => await fixture.DbAsync(async db =>
    {
        var facilities = await ApprovedJobs.FacilitiesAsync(db, Ct);
        var now = DateTimeOffset.UtcNow;
        var ids = new HashSet<Guid>();
        for (var i = 0; i < count; i++)
        {
            // Another year's series, so that FileRequest's "highest number + 1" in tests sharing the database never meets these.
            ids.Add(ApprovedJobs.Add(db, facilities, $"REQ-1999-{Interlocked.Increment(ref _numbers)}", "Queue", $"NVH-{i}", $"1.2.3.{i + 1}", now).Id);
        }

        await db.SaveChangesAsync(Ct);
        return ids;
    });
}

/// <summary>The durable queue on SQLite, the embedded default.</summary>
public sealed class RetrievalQueueTests(UseCaseFixture fixture) : RetrievalQueueTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>The durable queue on a real PostgreSQL server, as several nodes share one in production.</summary>
public sealed class RetrievalQueueOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : RetrievalQueueTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
