using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Jobs;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>
/// The Jobs board's order, page by page: running, failed, queued, then every other state, each newest first (the board
/// reads it one state at a time from an index instead of sorting every job of the facility; the pages must not change).
/// </summary>
public abstract class JobsBoardOrderTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly RetrievalJobState[] States =
    [
        RetrievalJobState.Succeeded, RetrievalJobState.Failed, RetrievalJobState.Running, RetrievalJobState.Queued, RetrievalJobState.Cancelled,
        RetrievalJobState.PartiallySucceeded, RetrievalJobState.Failed, RetrievalJobState.Succeeded, RetrievalJobState.Queued, RetrievalJobState.Running,
        RetrievalJobState.Succeeded, RetrievalJobState.Failed, RetrievalJobState.Succeeded, RetrievalJobState.Cancelled,
    ];

    [Theory]
    [InlineData("approver.sbr", 3, null)]
    [InlineData("approver.sbr", 5, null)]
    [InlineData("clerk.nvh", 4, null)]
    [InlineData("admin.nvh", 3, null)]
    [InlineData("netadmin", 2, null)]
    [InlineData("approver.sbr", 2, RetrievalJobState.Failed)]
    [InlineData("approver.sbr", 2, RetrievalJobState.Succeeded)]
    public async Task EveryPage_HoldsTheJobsInTheBoardsOrder_AndTheTotalCountsThemAll(string user, int pageSize, RetrievalJobState? state)
    {
        await SeedAsync();
        var expected = await fixture.DbAsync(async db =>
        {
            var (nvh, sbr) = await ApprovedJobs.FacilitiesAsync(db, Cancel);
            var jobs = await db.RetrievalJobs.AsNoTracking()
                .Join(db.ImageRequests, j => j.RequestId, r => r.Id, (j, r) => new { r.Number, j.State, j.CreatedAt, j.SourceFacilityId, j.RequestingFacilityId })
                .ToListAsync(Cancel);
            return jobs
                .Where(j => user switch
                {
                    "approver.sbr" => j.SourceFacilityId == sbr,
                    "clerk.nvh" => j.RequestingFacilityId == nvh,
                    "admin.nvh" => j.RequestingFacilityId == nvh || j.SourceFacilityId == nvh,
                    _ => true,
                })
                .Where(j => state is null || j.State == state)
                .OrderBy(j => j.State switch { RetrievalJobState.Running => 0, RetrievalJobState.Failed => 1, RetrievalJobState.Queued => 2, _ => 3 })
                .ThenByDescending(j => j.CreatedAt)
                .Select(j => j.Number)
                .ToList();
        });

        var listed = new List<string>();
        for (var page = 0; page <= expected.Count / pageSize; page++)
        {
            var result = (await fixture.QueryAsync(user, new ListJobs(page, pageSize, state))).Value!;
            Assert.Equal(expected.Count, result.TotalCount);
            Assert.True(result.Items.Count <= pageSize);
            listed.AddRange(result.Items.Select(j => j.Number));
        }

        Assert.True(expected.Count >= 2, "the board has jobs to order");
        Assert.Equal(expected, listed);
    }

    /// <summary>Jobs of NVH's requests to SBR in every state, each created at its own minute (once per class).</summary>
    private async Task SeedAsync() => await fixture.DbAsync(async db =>
    {
        if (await db.ImageRequests.AnyAsync(r => r.Number == "REQ-2026-880000", Cancel))
        {
            return 0;
        }

        var facilities = await ApprovedJobs.FacilitiesAsync(db, Cancel);
        var now = DateTimeOffset.UtcNow;
        var jobs = States.Select((_, i) => ApprovedJobs.Add(db, facilities, $"REQ-2026-88{i:D4}", "Board", $"NVH-B{i}", $"1.2.826.0.1.3680043.8.498.88{i}", now)).ToList();
        await db.SaveChangesAsync(Cancel);
        for (var i = 0; i < jobs.Count; i++)
        {
            // Created out of order with the states, so that neither alone gives the board's order; not due, so no worker takes them.
            var id = jobs[i].Id;
            var state = States[i];
            var created = now.AddMinutes(-((i * 5) % States.Length) - 1);
            await db.RetrievalJobs.Where(j => j.Id == id).ExecuteUpdateAsync(
                j => j.SetProperty(x => x.State, state).SetProperty(x => x.CreatedAt, created).SetProperty(x => x.NextAttemptAt, now.AddDays(1)), Cancel);
        }

        return jobs.Count;
    });
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class JobsBoardOrderTests(UseCaseFixture fixture) : JobsBoardOrderTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class JobsBoardOrderOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : JobsBoardOrderTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
