using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Features.Administration;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// A change and its audit event commit together. The event was appended after the change had committed, so
/// a refused append (or a process dying there) lost it for good, and the user was shown an error for a change that
/// had been made. Now the event commits with the change and is sealed into the chain right after, or by the next sweep.
/// </summary>
public sealed class AuditOutboxTests(AuditFaultFixture fixture) : IClassFixture<AuditFaultFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ADecisionWhoseAuditEventCannotBeAppended_Succeeds_AndIsAuditedOnce_WhenTheDatabaseRecovers()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Walsh", GivenName = "Nora", Sex = PatientSex.Female, LocalMrn = AuditFaultFixture.Marker, Modalities = ["MG"],
            ClinicalReason = "Screening prior",
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));

        Result claimed;
        fixture.Fault.Failing = true;
        try
        {
            claimed = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
            Assert.True(fixture.Fault.Hits > 0, "The claim's audit event was never appended.");
            Assert.Empty(await EventsAsync(number, AuditAction.Update));
        }
        finally
        {
            fixture.Fault.Failing = false;
        }

        Assert.True(claimed.IsSuccess, claimed.Failure?.Message);
        Assert.Equal(RequestStatus.Claimed, (await fixture.DbAsync(db => db.ImageRequests.SingleAsync(r => r.Number == number, Ct))).Status);
        await Poll.UntilAsync(async () => (await EventsAsync(number, AuditAction.Update)).Count > 0, TimeSpan.FromSeconds(10),
            () => Task.FromResult($"Request {number} was claimed, but the claim's audit event was lost with the failed write."));
        var claim = Assert.Single(await EventsAsync(number, AuditAction.Update));
        Assert.Equal(("approver.sbr", AuditFaultFixture.Marker), (claim.UserName, claim.PatientId));
        Assert.Contains("Claimed", claim.Description, StringComparison.Ordinal);
        await AssertChainIntactAsync();
    }

    [Fact]
    public async Task AnAdministratorsChangeWhoseAuditEventCannotBeAppended_Succeeds_AndIsAuditedOnce_WhenTheDatabaseRecovers()
    {
        var id = await fixture.FacilityIdAsync("NVH");
        var before = await fixture.FacilityAsync(id);
        var settings = new FacilitySettings($"North Valley {AuditFaultFixture.Marker}", before.Region, before.PatientIdIssuer, before.TimeZoneId,
            before.ContactPhone, before.ContactEmail, before.AccessionPolicy, before.DemographicsPolicy, TimeSpan.FromMinutes(30), TimeSpan.FromHours(3), 3);

        Result changed;
        fixture.Fault.Failing = true;
        try
        {
            changed = await fixture.CommandAsync(DemoUsers.AdminNvh.UserName, new UpdateFacility(id, before.Version, settings));
        }
        finally
        {
            fixture.Fault.Failing = false;
        }

        Assert.True(changed.IsSuccess, changed.Failure?.Message);
        Assert.Equal(settings.Name, (await fixture.FacilityAsync(id)).Name);
        await Poll.UntilAsync(async () => (await ConfigurationEventsAsync()).Count > 0, TimeSpan.FromSeconds(10),
            () => Task.FromResult("The facility was changed, but its audit event was lost with the failed write."));
        var change = Assert.Single(await ConfigurationEventsAsync());
        Assert.Equal(("admin.nvh", "NVH"), (change.UserName, change.ObjectReference));
        await AssertChainIntactAsync();
    }

    private Task<List<AuditEvent>> EventsAsync(string number, AuditAction action) => fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
        .Where(e => e.ObjectReference == number && e.Action == action && e.Type == AuditEventType.PatientRecord).ToListAsync(Ct));

    private Task<List<AuditEvent>> ConfigurationEventsAsync() => fixture.DbAsync(db => db.AuditEvents.AsNoTracking()
        .Where(e => e.Type == AuditEventType.ConfigurationChange && e.Description.Contains(AuditFaultFixture.Marker)).ToListAsync(Ct));

    private async Task AssertChainIntactAsync()
    {
        await using var scope = fixture.Services.CreateAsyncScope();
        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Ct);
        Assert.True(verification.IsIntact, verification.Problem);
    }
}
