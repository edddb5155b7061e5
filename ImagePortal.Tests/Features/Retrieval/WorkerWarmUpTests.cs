using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>
/// A worker runs a job's database work once before its first job, for a job that does not exist: that must change
/// nothing, whatever the other workers are doing.
/// </summary>
public sealed class WorkerWarmUpTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WarmingUp_ChangesNothing_NotAJobAnotherWorkerRuns_NorAQueuedOne()
    {
        var (running, queued) = await TwoJobsAsync();
        var before = await WhatAJobTouchesAsync(running, queued);

        await fixture.Services.GetRequiredService<RetrievalRunner>().WarmUpAsync(Ct);
        await fixture.Services.GetRequiredService<RetrievalRunner>().WarmUpAsync(Ct);

        Assert.Equal(before, await WhatAJobTouchesAsync(running, queued));
        var row = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.Id == running, Ct));
        Assert.Equal(("busy-worker", RetrievalJobState.Running), (row.LeaseOwner, row.State));
    }

    /// <summary>
    /// A job another worker holds (lease for an hour) and one queued for tomorrow, committed together, so that this
    /// portal's own workers never take either.
    /// </summary>
    private Task<(Guid Running, Guid Queued)> TwoJobsAsync() => fixture.DbAsync(async db =>
    {
        var facilities = await ApprovedJobs.FacilitiesAsync(db, Ct);
        var now = DateTimeOffset.UtcNow;
        var jobs = new[]
        {
            ApprovedJobs.Add(db, facilities, "REQ-1998-000001", "Warm", "REQ-1998-000001", "1.2.3.1998.1", now),
            ApprovedJobs.Add(db, facilities, "REQ-1998-000002", "Warm", "REQ-1998-000002", "1.2.3.1998.2", now),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(Ct);
        await db.SaveChangesAsync(Ct);
        await db.RetrievalJobs.Where(j => j.Id == jobs[0].Id).ExecuteUpdateAsync(set => set
            .SetProperty(j => j.State, RetrievalJobState.Running)
            .SetProperty(j => j.LeaseOwner, "busy-worker")
            .SetProperty(j => j.LeaseExpiresAt, now.AddHours(1))
            .SetProperty(j => j.DoneInstances, 7), Ct);
        await db.RetrievalJobs.Where(j => j.Id == jobs[1].Id).ExecuteUpdateAsync(set => set.SetProperty(j => j.NextAttemptAt, now.AddDays(1)), Ct);
        await transaction.CommitAsync(Ct);
        return (jobs[0].Id, jobs[1].Id);
    });

    /// <summary>The two jobs, every request's state, and whatever a job would have written under the warm-up's names.</summary>
    private Task<string> WhatAJobTouchesAsync(Guid running, Guid queued) => fixture.DbAsync(async db =>
    {
        var jobs = await db.RetrievalJobs.AsNoTracking().Where(j => j.Id == running || j.Id == queued).OrderBy(j => j.Id)
            .Select(j => $"{j.Id} {j.State} {j.LeaseOwner} {j.LeaseExpiresAt:O} {j.Attempts} {j.NextAttemptAt:O} {j.FinishedAt:O} {j.DoneInstances} {j.LastError}")
            .ToListAsync(Ct);
        var requests = await db.ImageRequests.AsNoTracking().OrderBy(r => r.Id)
            .Select(r => $"{r.Id} {r.Status} {r.Version} {r.Events.Count}")
            .ToListAsync(Ct);
        var written = new[]
        {
            await db.ImportedInstances.CountAsync(i => i.JobId == Guid.Empty, Ct),
            await db.FailedInstances.CountAsync(i => i.JobId == Guid.Empty, Ct),
            await db.AuditEvents.CountAsync(e => e.UserName == "warm-up", Ct),
            await db.UserNotifications.CountAsync(n => n.UserId == "warm-up", Ct),
        };
        return string.Join("\n", jobs.Concat(requests).Append(string.Join(" ", written)));
    });
}

/// <summary>
/// A worker whose warm-up fails (the database is not reachable yet when the process starts) still takes its jobs: the
/// warm-up only makes the first job faster. Web-role portal, so that the only worker is the one the test starts.
/// </summary>
public sealed class WorkerWarmUpFailureTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AWorkerWhoseWarmUpFails_StillTakesItsJobs()
    {
        using var spool = new TempDirectory("warm-up-spool");
        var services = fixture.Services;
        var database = new FailsFirstTime(services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>());
        var runner = ActivatorUtilities.CreateInstance<RetrievalRunner>(
            services, database, new SpoolBudget(spool.Path, 1L << 30), new MoveRouter(NullLogger<MoveRouter>.Instance));
        var worker = ActivatorUtilities.CreateInstance<RetrievalWorker>(services, runner);
        var job = await fixture.DbAsync(async db =>
        {
            var queued = ApprovedJobs.Add(db, await ApprovedJobs.FacilitiesAsync(db, Ct), "REQ-1997-000001", "Warm", "REQ-1997-000001", "1.2.3.1997.1", DateTimeOffset.UtcNow);
            await db.SaveChangesAsync(Ct);
            return queued;
        });
        var number = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Id == job.RequestId).Select(r => r.Number).SingleAsync(Ct));

        await worker.StartAsync(Ct);
        try
        {
            // The job starts under this worker's name ("begin transferring" is audited before the source is asked).
            await Poll.UntilAsync(
                () => fixture.DbAsync(db => db.AuditEvents.AnyAsync(
                    e => e.ObjectReference == number && e.Type == AuditEventType.BeginTransferring && e.UserName!.StartsWith("retrieval worker " + worker.Name), Ct)),
                TimeSpan.FromSeconds(30), () => Task.FromResult("The worker did not take the job within 30 s of a failed warm-up."));
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, database.Failures);
    }

    /// <summary>A database that cannot be reached the first time it is asked (the warm-up's), and can afterwards.</summary>
    private sealed class FailsFirstTime(IDbContextFactory<ImagePortalDbContext> inner) : IDbContextFactory<ImagePortalDbContext>
    {
        private int _calls;

        public int Failures { get; private set; }

        public ImagePortalDbContext CreateDbContext() => inner.CreateDbContext();

        public Task<ImagePortalDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Failures++;
                throw new InvalidOperationException("The database is not reachable (test).");
            }

            return inner.CreateDbContextAsync(cancellationToken);
        }
    }
}
