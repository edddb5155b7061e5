using System.Data.Common;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration.Facilities;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

public abstract class AuditTrailTestsBase(UseCaseFixture fixture)
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<string> FileAsync(string localMrn)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Cancel));
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Walsh", GivenName = "Nora", Sex = PatientSex.Female, LocalMrn = localMrn, Modalities = ["MG"],
            ClinicalReason = "Screening prior",
        });
        return result.Value!.Number!;
    }

    [Fact]
    public async Task TheTrailPagesBySequence_AndExportsNewestFirst_OnEveryDatabase()
    {
        var reference = $"OBJ-KEY-{Guid.NewGuid():N}";
        await AuditorSupport.RecordAsync(fixture, reference, 7);
        var filter = new ImagePortal.Web.Features.Audit.AuditFilter(RequestNumber: reference);
        var expected = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == reference).OrderByDescending(e => e.Sequence).Select(e => e.Sequence).ToListAsync(Cancel));

        var first = (await fixture.QueryAsync(AuditorSupport.NetworkAuditor, new ImagePortal.Web.Features.Audit.ListAuditEvents(filter, 4))).Value!;
        var second = (await fixture.QueryAsync(AuditorSupport.NetworkAuditor, new ImagePortal.Web.Features.Audit.ListAuditEvents(filter, 4, Before: first.Items[^1].Sequence))).Value!;
        using var csv = new MemoryStream();
        var export = await fixture.CommandAsync(AuditorSupport.NetworkAuditor, new ImagePortal.Web.Features.Audit.ExportAuditEvents(filter, csv));

        Assert.Equal(expected, first.Items.Concat(second.Items).Select(e => e.Sequence));
        Assert.Equal((true, false, false, true), (first.HasOlder, first.HasNewer, second.HasOlder, second.HasNewer));
        Assert.Equal(7, export.Value!.Rows);
        var exported = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(line => long.Parse(line[..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, exported);
    }

    [Fact]
    public async Task FilingAndDeciding_AreAudited_WithActorFacilityPatientAndRequest()
    {
        var number = await FileAsync("NVH-A100");
        var details = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, details.Value!.Version));

        var events = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number).OrderBy(e => e.Sequence).ToListAsync(Cancel));
        var nvh = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "NVH").Select(f => f.Id).SingleAsync(Cancel));

        Assert.Equal(
            [(AuditEventType.PatientRecord, AuditAction.Create, "clerk.nvh"), (AuditEventType.PatientRecord, AuditAction.Read, "approver.sbr"), (AuditEventType.PatientRecord, AuditAction.Update, "approver.sbr")],
            events.Select(e => (e.Type, e.Action, e.UserName!)));
        Assert.All(events, e => Assert.Equal("NVH-A100", e.PatientId));
        Assert.Equal(nvh, events[0].FacilityId);
        Assert.Equal("127.0.0.1", events[0].Address);
        Assert.Contains("Claimed", events[2].Description);
    }

    [Fact]
    public async Task RefusedAttempts_AreSecurityAlerts()
    {
        var number = await FileAsync("NVH-A200");

        await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetRequest(number));
        await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListFacilities(null, 0, 10));

        var alerts = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Type == AuditEventType.SecurityAlert).ToListAsync(Cancel));
        Assert.Contains(alerts, a => a.ObjectReference == number && a.UserName == "clerk.sbr");
        Assert.Contains(alerts, a => a.Description.Contains(nameof(ListFacilities)) && a.UserName == "clerk.nvh");
    }

    [Fact]
    public async Task ConcurrentWriters_KeepOneUnbrokenChain()
    {
        using var scope = fixture.Services.CreateScope();
        var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => trail.RecordAsync(
            new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success, $"parallel {i}"), "u", "u", null, null, Cancel)));

        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel);
        Assert.True(verification.IsIntact, verification.Problem);
        Assert.Equal(20, await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => e.Description.StartsWith("parallel "), Cancel)));
    }

    /// <summary>
    /// Two nodes sealing the same staged events at once, beside a third appending directly: every event is sealed
    /// exactly once, in one unbroken chain, and nothing stays staged.
    /// </summary>
    [Fact]
    public async Task TwoNodesSealingTheSameStagedEvents_SealEachOnce()
    {
        var tag = $"staged-{Guid.NewGuid():N}";
        await fixture.DbAsync(async db =>
        {
            var outbox = Node();
            for (var i = 0; i < AuditOutbox.BatchSize * 2 + 50; i++)
            {
                outbox.Stage(db, new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success, $"{tag} {i}"), "u", "u", null, null);
            }

            return await db.SaveChangesAsync(Cancel);
        });

        using var scope = fixture.Services.CreateScope();
        var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        var sealedCounts = await Task.WhenAll(Node().SealAsync(Cancel), Node().SealAsync(Cancel), DirectAsync());

        var descriptions = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Description.StartsWith(tag)).Select(e => e.Description).ToListAsync(Cancel));
        Assert.Equal(AuditOutbox.BatchSize * 2 + 50, descriptions.Count - 10);
        Assert.Equal(descriptions.Count, descriptions.Distinct(StringComparer.Ordinal).Count());
        Assert.True(sealedCounts[0] + sealedCounts[1] <= AuditOutbox.BatchSize * 2 + 50);
        Assert.Equal(0, await fixture.DbAsync(db => db.StagedAuditEvents.CountAsync(Cancel)));
        var verification = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel);
        Assert.True(verification.IsIntact, verification.Problem);

        async Task<int> DirectAsync()
        {
            for (var i = 0; i < 10; i++)
            {
                await trail.RecordAsync(new AuditEntry(AuditEventType.Export, AuditAction.Read, AuditOutcome.Success, $"{tag} direct {i}"), "u", "u", null, null, Cancel);
            }

            return 0;
        }
    }

    /// <summary>An outbox as another process has it: its own turn-taking, the same database and key.</summary>
    private AuditOutbox Node() => new(
        fixture.Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>(), TimeProvider.System,
        fixture.Services.GetRequiredService<AuditKeyRing>(), new AuditExportSignal(), new AuditAppendGate(),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<AuditOutbox>.Instance);

    [Fact]
    public async Task TheDatabase_RefusesToEditOrDeleteAuditRows()
    {
        await FileAsync("NVH-A300");

        var update = await Record.ExceptionAsync(() => fixture.DbAsync(db => db.Database.ExecuteSqlRawAsync("""UPDATE "AuditEvents" SET "Description" = 'x'""", Cancel)));
        var delete = await Record.ExceptionAsync(() => fixture.DbAsync(db => db.Database.ExecuteSqlRawAsync("""DELETE FROM "AuditEvents" """, Cancel)));

        Assert.Contains("append-only", Assert.IsAssignableFrom<DbException>(update).Message);
        Assert.Contains("append-only", Assert.IsAssignableFrom<DbException>(delete).Message);
    }
}

/// <summary>The audit trail on SQLite, the embedded default.</summary>
public sealed class AuditTrailTests(UseCaseFixture fixture) : AuditTrailTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>The audit trail on a real PostgreSQL server, as several nodes share one in production.</summary>
public sealed class AuditTrailOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : AuditTrailTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
