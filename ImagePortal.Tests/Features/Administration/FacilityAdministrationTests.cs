using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Facilities;

namespace ImagePortal.Tests.Features.Administration;

public abstract class FacilityAdministrationTestsBase(UseCaseFixture fixture)
{
    [Fact]
    public async Task NetworkAdmin_CreatesAFacility_WithEverySetting_AndTheChangeIsAudited()
    {
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("wbc", AdminTestData.Settings()));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        var created = await fixture.FacilityAsync(result.Value);
        Assert.Equal("WBC", created.Code);
        Assert.Equal(("Westbay Clinic", "WBC-MRN", AccessionPolicy.PrefixWithSourceCode), (created.Name, created.PatientIdIssuer, created.AccessionPolicy));
        Assert.True(created.IsActive);
        var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Facility WBC created"));
        Assert.Contains("Before: (none)", audit.Description);
        Assert.Contains("name=Westbay Clinic", audit.Description);
        Assert.Equal(DemoUsers.NetworkAdmin.UserName, audit.UserName);
    }

    [Fact]
    public async Task CreatingAFacility_WithATakenCode_IsRefused()
    {
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("nvh", AdminTestData.Settings("Another")));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("The code NVH is already used by another facility.", result.Failure.Message);
    }

    [Fact]
    public async Task CreatingAFacility_WithBadInput_NamesEveryProblem()
    {
        var settings = AdminTestData.Settings(name: " ", zone: "Mars/Olympus_Mons") with { ContactEmail = "not an address" };

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("X1", settings));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("The facility name is required.", result.Failure.Message);
        Assert.Contains("'Mars/Olympus_Mons' is not a known time zone.", result.Failure.Message);
        Assert.Contains("'not an address' is not an e-mail address.", result.Failure.Message);
    }

    [Theory]
    [InlineData("N-1", "The facility code may only contain letters A-Z and digits.")]
    [InlineData("TOOLONGCODE1", "The facility code must be at most 10 characters.")]
    public async Task CreatingAFacility_WithABadCode_IsRefusedWithAClearMessage(string code, string message)
    {
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility(code, AdminTestData.Settings()));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal(message, result.Failure.Message);
    }

    [Fact]
    public async Task FacilityAdmin_CannotCreateFacilities()
    {
        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new CreateFacility("ZZ1", AdminTestData.Settings()));

        Assert.Equal(FailureKind.Forbidden, result.Failure!.Kind);
    }

    [Fact]
    public async Task FacilityAdmin_EditsTheirOwnFacility_AndTheAuditHasBeforeAndAfter()
    {
        var id = await fixture.FacilityIdAsync("NVH");
        var before = await fixture.FacilityAsync(id);
        var settings = new FacilitySettings(before.Name, before.Region, "NVH-MRN2", before.TimeZoneId, before.ContactPhone, before.ContactEmail,
            AccessionPolicy.Clear, DemographicsPolicy.ReplaceWithTicket, TimeSpan.FromMinutes(30), TimeSpan.FromHours(3), 3);

        var result = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new UpdateFacility(id, before.Version, settings));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        var after = await fixture.FacilityAsync(id);
        Assert.Equal(("NVH-MRN2", AccessionPolicy.Clear, DemographicsPolicy.ReplaceWithTicket), (after.PatientIdIssuer, after.AccessionPolicy, after.DemographicsPolicy));
        Assert.Equal((TimeSpan.FromMinutes(30), TimeSpan.FromHours(3), 3), (after.StatDue, after.UrgentDue, after.RoutineDueWorkingDays));
        Assert.NotEqual(before.Version, after.Version);
        var audit = (await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Facility edit of NVH"))[0];
        Assert.Contains("Before: name=Northvale General Hospital", audit.Description);
        Assert.Contains("issuer=NVH-MRN,", audit.Description);
        Assert.Contains("issuer=NVH-MRN2,", audit.Description);
    }

    [Fact]
    public async Task FacilityAdmin_EditingAnotherFacility_IsRefused_AndAuditedAsASecurityAlert()
    {
        var other = await fixture.FacilityAsync(await fixture.FacilityIdAsync("SBR"));
        var settings = AdminTestData.Settings("Taken over");

        var edit = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new UpdateFacility(other.Id, other.Version, settings));
        var deactivate = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new SetFacilityActive(other.Id, other.Version, false));
        var read = await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new GetFacility(other.Id));

        Assert.All([edit.Failure!, deactivate.Failure!, read.Failure!], f => Assert.Equal(FailureKind.NotFound, f.Kind));
        Assert.Equal("St. Brigid's Regional Hospital", (await fixture.FacilityAsync(other.Id)).Name);
        var alerts = await fixture.AuditAsync(AuditEventType.SecurityAlert, $"facility {other.Id} is not the administrator's own");
        Assert.Equal(3, alerts.Count);
        Assert.All(alerts, a => Assert.Equal(DemoUsers.AdminNvh.UserName, a.UserName));
    }

    [Fact]
    public async Task ClerkAndApprover_AreRefusedAtTheHandler()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("RCH"));

        var clerk = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new SetFacilityActive(facility.Id, facility.Version, false));
        var approver = await fixture.QueryAsync(DemoUsers.ApproverNvh.UserName, new GetFacility(facility.Id));

        Assert.Equal(FailureKind.Forbidden, clerk.Failure!.Kind);
        Assert.Equal(FailureKind.Forbidden, approver.Failure!.Kind);
        Assert.True((await fixture.FacilityAsync(facility.Id)).IsActive);
    }

    [Fact]
    public async Task EditingAStaleCopy_IsAPlainConflict_AndChangesNothing()
    {
        var id = (await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("STALE", AdminTestData.Settings("Stale Clinic")))).Value;
        var seen = await fixture.FacilityAsync(id);
        Assert.True((await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateFacility(id, seen.Version, AdminTestData.Settings("First edit")))).IsSuccess);

        var second = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateFacility(id, seen.Version, AdminTestData.Settings("Second edit")));

        Assert.Equal(FailureKind.Conflict, second.Failure!.Kind);
        Assert.Equal("First edit was changed by someone else meanwhile. Reload the page and make your change again.", second.Failure.Message);
        Assert.Equal("First edit", (await fixture.FacilityAsync(id)).Name);
    }

    [Fact]
    public async Task DueTimes_ThatPutStatAfterUrgent_AreRefused()
    {
        var facility = await fixture.FacilityAsync(await fixture.FacilityIdAsync("LIC"));
        var settings = AdminTestData.Settings("Lakeshore Imaging Centre") with { StatDue = TimeSpan.FromHours(5), UrgentDue = TimeSpan.FromHours(4) };

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateFacility(facility.Id, facility.Version, settings));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("A STAT request cannot be due later than an urgent one.", result.Failure.Message);
    }

    [Fact]
    public async Task Deactivating_ThenActivating_IsAuditedEachTime()
    {
        var id = (await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateFacility("ONOFF", AdminTestData.Settings("On Off Clinic")))).Value;

        var off = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new SetFacilityActive(id, (await fixture.FacilityAsync(id)).Version, false));
        Assert.True(off.IsSuccess, off.Failure?.Message);
        Assert.False((await fixture.FacilityAsync(id)).IsActive);
        var on = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new SetFacilityActive(id, (await fixture.FacilityAsync(id)).Version, true));
        Assert.True(on.IsSuccess, on.Failure?.Message);

        Assert.True((await fixture.FacilityAsync(id)).IsActive);
        Assert.Contains("active=False", Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Facility deactivation of ONOFF")).Description);
        Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Facility activation of ONOFF"));
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class FacilityAdministrationTests(UseCaseFixture fixture) : FacilityAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class FacilityAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : FacilityAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
