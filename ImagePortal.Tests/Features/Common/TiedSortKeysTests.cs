using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Facilities;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Common;

/// <summary>
/// Lists ordered by a key many rows share (a due time, a filing instant, a name) page through every row exactly once:
/// the order ends with a unique key. Without one, each page's query may order the ties differently (PostgreSQL does,
/// from one LIMIT to the next), so a row shows on two pages and another on none.
/// </summary>
public abstract class TiedSortKeysTestsBase(UseCaseFixture fixture)
{
    private const int Tied = 30;
    private const int PageSize = 7;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Now = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task TheInbox_RequestsDueAtTheSameMomentWithTheSamePriority_EachShowOnExactlyOnePage()
    {
        var numbers = await fixture.DbAsync(async db =>
        {
            var (nvh, sbr) = await ApprovedJobs.FacilitiesAsync(db, Ct);
            var added = Enumerable.Range(1, Tied).Select(i => ImageRequest.Submit(
                $"REQ-2026-9{i:00000}", nvh, sbr, new PatientDetails("Tiebury", "Same", new DateOnly(1970, 1, 1), PatientSex.Other, null, $"TIE-{i}"),
                new RequestScope([], null, null, null, null), "Compare", RequestPriority.Urgent, Now.AddDays(1), "clerk", Now)).ToList();
            db.ImageRequests.AddRange(added);
            await db.SaveChangesAsync(Ct);
            return added.Select(r => r.Number).ToList();
        });

        var seen = await AllPagesAsync(page => fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListInbox(new RequestFilter(Patient: "tiebury"), page, PageSize)));

        Assert.Equal(numbers.Order(StringComparer.Ordinal), seen.Select(r => r.Number).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task TheJobsBoard_JobsCreatedInTheSameInstant_EachShowOnExactlyOnePage()
    {
        var numbers = await fixture.DbAsync(async db =>
        {
            var facilities = await ApprovedJobs.FacilitiesAsync(db, Ct);
            var added = Enumerable.Range(1, Tied)
                .Select(i => (Number: $"REQ-2026-8{i:00000}", Job: ApprovedJobs.Add(db, facilities, $"REQ-2026-8{i:00000}", "Jobbury", $"JOB-{i}", $"1.2.826.0.1.3680043.10.99.{i}", Now)))
                .ToList();
            await db.SaveChangesAsync(Ct);
            return added.Select(a => a.Number).ToList();
        });

        var seen = await AllPagesAsync(page => fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListJobs(page, PageSize)));

        Assert.Equal(seen.Count, seen.Select(j => j.Number).Distinct().Count());
        Assert.Superset(numbers.ToHashSet(), seen.Select(j => j.Number).ToHashSet());
    }

    [Fact]
    public async Task TheFacilitiesList_FacilitiesOfOneName_EachShowOnExactlyOnePage()
    {
        var codes = await fixture.DbAsync(async db =>
        {
            var added = Enumerable.Range(1, Tied).Select(i => new Facility("Twin Valley Hospital", $"TWIN{i:00}", "West", $"TWIN{i:00}", "UTC")).ToList();
            db.Facilities.AddRange(added);
            await db.SaveChangesAsync(Ct);
            return added.Select(f => f.Code).ToList();
        });

        var seen = await AllPagesAsync(page => fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListFacilities("Twin Valley", page, PageSize)));
        Assert.Equal(codes.Order(StringComparer.Ordinal), seen.Select(f => f.Code).Order(StringComparer.Ordinal));

        var partners = await AllPagesAsync(page => fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListPartners("Twin Valley", false, page, PageSize)));
        Assert.Equal(codes.Order(StringComparer.Ordinal), partners.Select(f => f.Code).Order(StringComparer.Ordinal));
    }

    /// <summary>Every page of a list, one query per page as the page's pager sends them.</summary>
    private static async Task<List<T>> AllPagesAsync<T>(Func<int, Task<Result<Page<T>>>> page)
    {
        var rows = new List<T>();
        for (var index = 0; ; index++)
        {
            var result = await page(index);
            Assert.True(result.IsSuccess, result.Failure?.Message);
            rows.AddRange(result.Value!.Items);
            if ((index + 1) * result.Value.PageSize >= result.Value.TotalCount)
            {
                return rows;
            }
        }
    }
}

public sealed class TiedSortKeysTests(UseCaseFixture fixture) : TiedSortKeysTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>PostgreSQL orders rows of equal keys differently from one LIMIT to the next, where SQLite happens to keep one order.</summary>
public sealed class TiedSortKeysOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : TiedSortKeysTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
