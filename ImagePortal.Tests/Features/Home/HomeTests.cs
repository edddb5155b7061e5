using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Home;

namespace ImagePortal.Tests.Features.Home;

public sealed class HomeTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    [Fact]
    public async Task CurrentFacility_IsTheUsersOwn()
    {
        var nvh = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetCurrentFacility());
        var sbr = await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetCurrentFacility());

        Assert.Equal("Northvale General Hospital (NVH)", nvh.Value!.Label);
        Assert.Equal("St. Brigid's Regional Hospital (SBR)", sbr.Value!.Label);
    }

    [Fact]
    public async Task NetworkWideStaff_HaveNoFacility()
    {
        var result = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetCurrentFacility());

        Assert.Null(result.Value!.Id);
        Assert.Equal("Network-wide", result.Value.Label);
    }

    [Fact]
    public async Task Summary_CountsOnlyTheUsersFacilitysAgreements()
    {
        // Demo seed: NVH asks SBR (manual) and LIC (direct); SBR and RCH ask NVH.
        var nvh = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetHomeSummary());
        var sbr = await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetHomeSummary());

        Assert.Equal(new HomeSummary(1, true, 2, 2, 1), nvh.Value);
        Assert.Equal(new HomeSummary(1, true, 1, 1, 0), sbr.Value);
    }
}
