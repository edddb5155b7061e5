using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Facilities;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Administration;

/// <summary>Look-ups the administration tests share: facility ids of the demo seed and the audit trail's newest events.</summary>
internal static class AdminTestData
{
    public static FacilitySettings Settings(string name = "Westbay Clinic", string zone = "Europe/Dublin") => new(
        name, "Westbay", "WBC-MRN", zone, "+353 1 555 0100", "radiology@westbay.example",
        AccessionPolicy.PrefixWithSourceCode, DemographicsPolicy.KeepSource, TimeSpan.FromHours(1), TimeSpan.FromHours(4), 2);

    public static Task<Guid> FacilityIdAsync(this UseCaseFixture fixture, string code) =>
        fixture.DbAsync(db => db.Facilities.Where(f => f.Code == code).Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));

    public static async Task<FacilityDetails> FacilityAsync(this UseCaseFixture fixture, Guid id)
    {
        var result = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetFacility(id));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!;
    }

    /// <summary>Events of <paramref name="type"/> whose description contains <paramref name="text"/>, newest first.</summary>
    public static Task<List<AuditEvent>> AuditAsync(this UseCaseFixture fixture, AuditEventType type, string text) =>
        fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
            .Where(e => e.Type == type && e.Description.Contains(text))
            .OrderByDescending(e => e.Sequence)
            .ToListAsync(TestContext.Current.CancellationToken));
}
