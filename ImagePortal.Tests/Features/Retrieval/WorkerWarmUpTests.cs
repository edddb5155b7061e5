using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Interop;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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
        var facilities = await db.Facilities.Where(f => f.Code == "NVH" || f.Code == "SBR").ToDictionaryAsync(f => f.Code, f => f.Id, Ct);
        var now = DateTimeOffset.UtcNow;
        var jobs = new List<RetrievalJob>();
        foreach (var (number, study) in new[] { ("REQ-1998-000001", "1.2.3.1998.1"), ("REQ-1998-000002", "1.2.3.1998.2") })
        {
            var request = ImageRequest.Submit(
                number, facilities["NVH"], facilities["SBR"], new PatientDetails("Warm", null, null, PatientSex.Unknown, null, number),
                new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine, now.AddDays(1), "clerk", now);
            request.Claim("approver", now);
            request.Approve("approver", [new RequestedStudy(study, null, "CT", null, null, 1)], now);
            db.ImageRequests.Add(request);
            jobs.Add(RetrievalJob.For(request, now));
        }

        db.RetrievalJobs.AddRange(jobs);
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
