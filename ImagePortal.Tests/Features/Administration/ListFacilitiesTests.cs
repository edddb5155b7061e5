using ImagePortal.Domain.Common;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Facilities;

namespace ImagePortal.Tests.Features.Administration;

public abstract class ListFacilitiesTestsBase(UseCaseFixture fixture)
{
    [Fact]
    public async Task NetworkAdmin_SeesEveryFacility_PagedAndSortedByName()
    {
        var first = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListFacilities(null, 0, 3));
        var second = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListFacilities(null, 1, 3));

        Assert.True(first.IsSuccess);
        Assert.Equal(6, first.Value!.TotalCount);
        Assert.Equal(["Lakeshore Imaging Centre", "Northvale General Hospital", "Ridgeway Community Hospital"], first.Value.Items.Select(f => f.Name));
        Assert.Equal(["St. Brigid's Regional Hospital", "Tullyross Community Hospital", "Westbay X-Ray Clinic"], second.Value!.Items.Select(f => f.Name));
    }

    [Fact]
    public async Task FacilityAdmin_SeesOnlyTheirOwnFacility_EvenWhenSearchingForAnother()
    {
        var all = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListFacilities(null, 0, 100));
        var searchForOther = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListFacilities("Brigid", 0, 100));

        Assert.Equal(["NVH"], all.Value!.Items.Select(f => f.Code));
        Assert.Equal(0, searchForOther.Value!.TotalCount);
    }

    [Fact]
    public async Task Clerk_IsRefusedAtTheHandler()
    {
        var result = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListFacilities(null, 0, 10));

        Assert.False(result.IsSuccess);
        Assert.Equal(FailureKind.Forbidden, result.Failure!.Kind);
    }

    [Fact]
    public async Task Anonymous_IsRefused()
    {
        var result = await fixture.QueryAsync(null, new ListFacilities(null, 0, 10));

        Assert.Equal(FailureKind.Forbidden, result.Failure!.Kind);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(0, 0)]
    [InlineData(0, 100_000)]
    public async Task ForgedPaging_IsRejectedAsInvalid(int pageIndex, int pageSize)
    {
        var result = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListFacilities(null, pageIndex, pageSize));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class ListFacilitiesTests(UseCaseFixture fixture) : ListFacilitiesTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class ListFacilitiesOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : ListFacilitiesTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
