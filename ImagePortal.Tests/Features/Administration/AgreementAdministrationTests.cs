using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using ImagePortal.Web.Features.Administration.Agreements;

namespace ImagePortal.Tests.Features.Administration;

public abstract class AgreementAdministrationTestsBase(UseCaseFixture fixture)
{
    private static readonly DateTimeOffset From = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static AgreementTerms Direct(int? maxAgeDays = 365) =>
        new(AgreementType.DirectQueryRetrieve, From, From.AddYears(2), ["ct", "MG"], maxAgeDays);

    private async Task<AgreementRow> FindAsync(Guid id)
    {
        var page = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new ListAgreements(0, 100));
        return Assert.Single(page.Value!.Items, a => a.Id == id);
    }

    [Fact]
    public async Task NetworkAdmin_CreatesADirectAgreement_WithScopeAndValidity_Audited()
    {
        var requesting = await fixture.FacilityIdAsync("LIC");
        var source = await fixture.FacilityIdAsync("RCH");

        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateAgreement(requesting, source, Direct()));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        var row = await FindAsync(result.Value);
        Assert.Equal(("Lakeshore Imaging Centre", "Ridgeway Community Hospital", AgreementType.DirectQueryRetrieve), (row.Requesting, row.Source, row.Type));
        Assert.Equal(["CT", "MG"], row.Modalities);
        Assert.Equal(365, row.MaxStudyAgeDays);
        Assert.Contains("After: type=DirectQueryRetrieve, from=2026-01-01, to=2028-01-01, modalities=CT,MG, maxAgeDays=365",
            Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Agreement LIC asks RCH created")).Description);
    }

    [Fact]
    public async Task ASecondAgreementInTheSameDirection_IsRefused()
    {
        var result = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new CreateAgreement(await fixture.FacilityIdAsync("NVH"), await fixture.FacilityIdAsync("SBR"), Direct()));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Equal("NVH already has an agreement with SBR: edit that one instead.", result.Failure.Message);
    }

    [Fact]
    public async Task BadTerms_AreRefusedWithClearMessages()
    {
        var nvh = await fixture.FacilityIdAsync("NVH");
        var terms = new AgreementTerms(AgreementType.ManualRequest, From, From.AddDays(-1), [], 0);

        var withItself = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new CreateAgreement(nvh, nvh, terms));
        var badModality = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new CreateAgreement(await fixture.FacilityIdAsync("RCH"), await fixture.FacilityIdAsync("LIC"), Direct() with { Modalities = ["C-T"] }));

        Assert.Contains("A facility cannot have an agreement with itself.", withItself.Failure!.Message);
        Assert.Contains("An agreement must end after it starts.", withItself.Failure.Message);
        Assert.Contains("The maximum study age must be at least one day.", withItself.Failure.Message);
        Assert.Equal("'C-T' is not a modality code.", badModality.Failure!.Message);
    }

    [Fact]
    public async Task SuspendAndResume_AreAudited_AndAStaleCopyIsAConflict()
    {
        var id = (await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName,
            new CreateAgreement(await fixture.FacilityIdAsync("SBR"), await fixture.FacilityIdAsync("LIC"), Direct()))).Value;
        var seen = await FindAsync(id);

        var suspend = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new SetAgreementSuspended(id, seen.Version, true));
        var stale = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateAgreement(id, seen.Version, Direct(30)));
        Assert.True(suspend.IsSuccess, suspend.Failure?.Message);
        Assert.Equal(FailureKind.Conflict, stale.Failure!.Kind);
        Assert.True((await FindAsync(id)).IsSuspended);

        var again = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new SetAgreementSuspended(id, (await FindAsync(id)).Version, true));
        Assert.Equal("The agreement is already suspended.", again.Failure!.Message);
        var resume = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new SetAgreementSuspended(id, (await FindAsync(id)).Version, false));
        Assert.True(resume.IsSuccess, resume.Failure?.Message);
        var edit = await fixture.CommandAsync(DemoUsers.NetworkAdmin.UserName, new UpdateAgreement(id, (await FindAsync(id)).Version, Direct(30)));
        Assert.True(edit.IsSuccess, edit.Failure?.Message);

        Assert.Equal(30, (await FindAsync(id)).MaxStudyAgeDays);
        Assert.Contains("suspended=False. After:", Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Agreement suspension")).Description);
        Assert.Contains("maxAgeDays=365", Assert.Single(await fixture.AuditAsync(AuditEventType.ConfigurationChange, "Agreement edit")).Description);
    }

    [Fact]
    public async Task FacilityAdmin_ManagesOnlyAgreementsThatGrantAccessToTheirOwnImages()
    {
        var nvh = await fixture.FacilityIdAsync("NVH");
        var sbr = await fixture.FacilityIdAsync("SBR");
        var visible = (await fixture.QueryAsync(DemoUsers.AdminNvh.UserName, new ListAgreements(0, 100))).Value!.Items;
        var theirs = Assert.Single(visible, a => a.RequestingFacilityId == nvh && a.SourceFacilityId == sbr);

        var suspendTheirs = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new SetAgreementSuspended(theirs.Id, theirs.Version, true));
        var grantThemselves = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new CreateAgreement(nvh, await fixture.FacilityIdAsync("RCH"), Direct()));
        var grantOwn = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new CreateAgreement(await fixture.FacilityIdAsync("LIC"), nvh, Direct()));

        Assert.All(visible, a => Assert.True(a.RequestingFacilityId == nvh || a.SourceFacilityId == nvh));
        Assert.Equal(FailureKind.NotFound, suspendTheirs.Failure!.Kind);
        Assert.Equal(FailureKind.NotFound, grantThemselves.Failure!.Kind);
        Assert.True(grantOwn.IsSuccess, grantOwn.Failure?.Message);
        Assert.False((await FindAsync(theirs.Id)).IsSuspended);
        Assert.Single(await fixture.AuditAsync(AuditEventType.SecurityAlert, $"Agreement suspension refused: facility {sbr}"));
    }

    [Fact]
    public async Task AnAuditor_CannotTouchAgreements()
    {
        var result = await fixture.QueryAsync("auditor", new ListAgreements(0, 10));

        Assert.Equal(FailureKind.Forbidden, result.Failure!.Kind);
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class AgreementAdministrationTests(UseCaseFixture fixture) : AgreementAdministrationTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class AgreementAdministrationOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : AgreementAdministrationTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
