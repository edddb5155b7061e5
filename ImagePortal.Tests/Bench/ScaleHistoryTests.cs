using ImagePortal.Bench.Scale;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Bench;

/// <summary>
/// bench/scale.sh measures the pages on a history that bench/scale-bench's <see cref="ScaleHistory"/> writes; that
/// history is only worth measuring if it is one the portal could have written. A tiny one (200 requests, 2,000 audit
/// events over 12 days, so that recent requests are still open) is checked here against the domain's rules.
/// </summary>
public sealed class ScaleHistoryTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    [Fact]
    public async Task A_tiny_history_has_every_status_keeps_the_domain_rules_and_its_audit_chain_verifies()
    {
        var cancel = TestContext.Current.CancellationToken;
        var factory = fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();
        string connectionString;
        await using (var db = await factory.CreateDbContextAsync(cancel))
        {
            connectionString = db.Database.GetConnectionString()!;
        }

        var history = new ScaleHistory(factory, connectionString, fixture.Services.GetRequiredService<AuditKeyRing>().Current, TimeSpan.FromDays(12));
        var summary = await history.GenerateAsync(200, 2_000, DateTimeOffset.UtcNow, cancellationToken: cancel);

        Assert.Equal(Enum.GetValues<RequestStatus>().Order(), summary.ByStatus.Keys.Order());
        Assert.Equal(200, summary.ByStatus.Values.Sum());
        Assert.Equal(2_000, summary.AuditEvents);

        await fixture.DbAsync(async db =>
        {
            var requests = await db.ImageRequests.AsNoTracking().Include(r => r.Events).Include(r => r.Studies).ToListAsync(cancel);
            var jobs = await db.RetrievalJobs.AsNoTracking().ToDictionaryAsync(j => j.RequestId, cancel);
            var ledger = await db.ImportedInstances.AsNoTracking().GroupBy(i => i.JobId).Select(g => new { g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.Key, g => g.Count, cancel);
            Assert.Equal(200, requests.Count);
            Assert.Equal(summary.LedgerRows, ledger.Values.Sum());
            foreach (var r in requests)
            {
                var timeline = r.Events.OrderBy(e => e.At).ToList();
                Assert.Equal(RequestEventKind.Submitted, timeline[0].Kind);
                Assert.Equal(timeline.Count, timeline.Select(e => e.At).Distinct().Count());
                Assert.Equal(r.Status, Replay(timeline));
                Assert.True(r.DueAt > r.CreatedAt, r.Number);
                jobs.TryGetValue(r.Id, out var job);
                var retrieved = r.Status is RequestStatus.Approved or RequestStatus.Retrieving or RequestStatus.Completed or
                    RequestStatus.PartiallyCompleted or RequestStatus.Failed;
                Assert.Equal(retrieved, job is not null);
                Assert.Equal(retrieved, r.Studies.Count > 0);
                var expectedJob = r.Status switch
                {
                    RequestStatus.Approved => RetrievalJobState.Queued,
                    RequestStatus.Retrieving => RetrievalJobState.Running,
                    RequestStatus.Completed => RetrievalJobState.Succeeded,
                    RequestStatus.PartiallyCompleted => RetrievalJobState.PartiallySucceeded,
                    RequestStatus.Failed => RetrievalJobState.Failed,
                    _ => (RetrievalJobState?)null,
                };
                Assert.Equal(expectedJob, job?.State);
                if (job is not null)
                {
                    Assert.Equal(job.DoneInstances, ledger.GetValueOrDefault(job.Id));
                    Assert.Equal(r.Studies.Sum(s => s.ExpectedInstances), job.ExpectedInstances);
                    Assert.Equal(job.FinishedAt is null ? 0 : job.ExpectedInstances, job.DoneInstances + job.FailedInstances);
                }

                if (r.Status == RequestStatus.Denied)
                {
                    Assert.NotNull(r.DenialReason);
                    Assert.NotNull(r.DecidedByUserId);
                }

                if (r.Status == RequestStatus.Expired)
                {
                    Assert.True(timeline[^1].At > r.DueAt, r.Number);
                }
            }

            return 0;
        });

        var verification = await fixture.QueryAsync("auditor", new VerifyAuditTrail(AuditVerificationScope.Full));
        Assert.True(verification.IsSuccess, verification.Failure?.Message);
        Assert.True(verification.Value!.IsIntact, verification.Value.Problem);
        Assert.True(verification.Value.EventsChecked >= 2_000);
    }

    /// <summary>The status a timeline leads to, by DESIGN.md's transitions.</summary>
    private static RequestStatus Replay(IEnumerable<RequestEvent> timeline) =>
        timeline.Aggregate(RequestStatus.Submitted, (status, e) => e.Kind switch
        {
            RequestEventKind.Submitted or RequestEventKind.Released or RequestEventKind.Resubmitted => RequestStatus.Submitted,
            RequestEventKind.Claimed => RequestStatus.Claimed,
            RequestEventKind.Approved or RequestEventKind.ApprovedByAgreement => RequestStatus.Approved,
            RequestEventKind.Denied => RequestStatus.Denied,
            RequestEventKind.InformationRequested => RequestStatus.NeedsInfo,
            RequestEventKind.Cancelled => RequestStatus.Cancelled,
            RequestEventKind.Expired => RequestStatus.Expired,
            RequestEventKind.RetrievalStarted => RequestStatus.Retrieving,
            RequestEventKind.Completed => RequestStatus.Completed,
            RequestEventKind.PartiallyCompleted => RequestStatus.PartiallyCompleted,
            RequestEventKind.Failed => RequestStatus.Failed,
            _ => status,
        });
}
