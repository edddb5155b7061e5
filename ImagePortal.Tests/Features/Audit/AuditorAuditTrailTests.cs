using System.Text;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Audit;

public sealed class AuditorAuditTrailTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<IReadOnlyList<AuditEventRow>> ListAsync(string userName, AuditFilter filter)
    {
        var result = await fixture.QueryAsync(userName, new ListAuditEvents(filter, 100));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!.Items;
    }

    [Fact]
    public async Task NetworkAuditor_SeesEveryEventOfARequest_NewestFirst_WithEveryField()
    {
        var number = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-L1");
        await ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, number);

        var events = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number));

        Assert.Equal(
            [("approver.sbr", AuditAction.Read), ("approver.sbr", AuditAction.Update), ("approver.sbr", AuditAction.Read), ("clerk.nvh", AuditAction.Create)],
            events.Select(e => (e.UserName!, e.Action)));
        Assert.Equal(events.Select(e => e.Sequence).OrderDescending(), events.Select(e => e.Sequence));
        var filed = events[^1];
        Assert.Equal(("NVH", "127.0.0.1", "AUD-L1", AuditEventType.PatientRecord, AuditOutcome.Success), (filed.Facility, filed.Address, filed.PatientId, filed.Type, filed.Outcome));
        Assert.Equal((64, 64), (filed.Hash.Length, filed.PreviousHash.Length));
        Assert.NotEqual(Guid.Empty, filed.Id);
    }

    [Fact]
    public async Task Filters_NarrowByUserTextTypeOutcomeAndDate()
    {
        var number = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-F1");
        await ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, number);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var byUser = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number, UserName: "CLERK.n"));
        var byText = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number, Text: "claimed"));
        var byType = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number, Type: AuditEventType.Query));
        var byOutcome = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number, Outcome: AuditOutcome.MajorFailure));
        var today_ = await ListAsync(NetworkAuditor, new AuditFilter(From: today.AddDays(-1), To: today.AddDays(1), RequestNumber: number));
        var longAgo = await ListAsync(NetworkAuditor, new AuditFilter(From: new DateOnly(2020, 1, 1), To: new DateOnly(2020, 12, 31), RequestNumber: number));
        var wildcard = await ListAsync(NetworkAuditor, new AuditFilter(RequestNumber: number, Text: "%"));

        Assert.Equal(["clerk.nvh"], byUser.Select(e => e.UserName));
        Assert.Equal([AuditAction.Update], byText.Select(e => e.Action));
        Assert.Empty(byType);
        Assert.Empty(byOutcome);
        Assert.Equal(4, today_.Count);
        Assert.Empty(longAgo);
        Assert.Empty(wildcard);
    }

    [Fact]
    public async Task SearchingByPatient_IsItselfAuditedAsAQuery()
    {
        var number = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-P1");

        var events = await ListAsync(NetworkAuditor, new AuditFilter(PatientId: " AUD-P1 "));

        Assert.Equal([number], events.Select(e => e.ObjectReference).Distinct());
        var query = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Type == AuditEventType.Query && e.PatientId == "AUD-P1").ToListAsync(Cancel));
        var recorded = Assert.Single(query);
        Assert.Equal((NetworkAuditor, AuditAction.Execute), (recorded.UserName, recorded.Action));
        Assert.Contains("searched by patient", recorded.Description);
    }

    [Fact]
    public async Task FacilityAuditor_SeesOnlyTheEventsOfTheirFacility()
    {
        var auditorSbr = await EnsureUserAsync(fixture, "auditor.sbr", Roles.Auditor, "SBR");
        var number = await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-S1");
        await ClaimAsync(fixture, DemoUsers.ApproverSbr.UserName, number);
        var sbr = await FacilityIdAsync(fixture, "SBR");

        var seen = await ListAsync(auditorSbr, new AuditFilter(RequestNumber: number));
        var nvhOnly = await ListAsync(auditorSbr, new AuditFilter(RequestNumber: number, UserName: "clerk.nvh"));
        var everything = await fixture.QueryAsync(auditorSbr, new ListAuditEvents(new AuditFilter(), 100));

        Assert.Equal(3, seen.Count);
        Assert.All(seen, e => Assert.Equal("SBR", e.Facility));
        Assert.Empty(nvhOnly);
        var seenIds = everything.Value!.Items.Select(e => e.Id).ToList();
        Assert.Equal(
            await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => seenIds.Contains(e.Id) && e.FacilityId == sbr, Cancel)),
            seenIds.Count);
    }

    [Fact]
    public async Task Paging_WalksOlderAndNewer_BySequence_WithoutGapsOrOverlaps()
    {
        await RecordAsync(fixture, "OBJ-PAGES", 7);

        var filter = new AuditFilter(RequestNumber: "OBJ-PAGES");
        var all = await ListAsync(NetworkAuditor, filter);
        var first = (await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(filter, 3))).Value!;
        var second = (await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(filter, 3, Before: first.Items[^1].Sequence))).Value!;
        var third = (await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(filter, 3, Before: second.Items[^1].Sequence))).Value!;
        var backToSecond = (await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(filter, 3, After: third.Items[0].Sequence))).Value!;
        var backToFirst = (await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(filter, 3, After: backToSecond.Items[0].Sequence))).Value!;

        Assert.Equal(7, all.Count);
        Assert.Equal(all.Select(e => e.Sequence), first.Items.Concat(second.Items).Concat(third.Items).Select(e => e.Sequence));
        Assert.Equal([(true, false), (true, true), (false, true)], [(first.HasOlder, first.HasNewer), (second.HasOlder, second.HasNewer), (third.HasOlder, third.HasNewer)]);
        Assert.Equal(second.Items.Select(e => e.Sequence), backToSecond.Items.Select(e => e.Sequence));
        Assert.Equal((true, true), (backToSecond.HasOlder, backToSecond.HasNewer));
        Assert.Equal(first.Items.Select(e => e.Sequence), backToFirst.Items.Select(e => e.Sequence));
        Assert.Equal((true, false), (backToFirst.HasOlder, backToFirst.HasNewer));
    }

    [Theory]
    [InlineData(0, null, null, "Pages hold")]
    [InlineData(101, null, null, "Pages hold")]
    [InlineData(10, 0L, null, "not both")]
    [InlineData(10, null, -1L, "not both")]
    [InlineData(10, 5L, 2L, "not both")]
    public async Task BadPaging_IsRefused(int pageSize, long? before, long? after, string message)
    {
        var result = await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(new AuditFilter(), pageSize, before, after));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains(message, result.Failure.Message);
    }

    [Fact]
    public async Task BadFilters_AreRefused_WithClearMessages()
    {
        var backwards = await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(new AuditFilter(From: new DateOnly(2026, 2, 1), To: new DateOnly(2026, 1, 1)), 10));
        var tooLong = await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(new AuditFilter(Text: new string('x', 201)), 10));
        var unknown = await fixture.QueryAsync(NetworkAuditor, new ListAuditEvents(new AuditFilter(Type: (AuditEventType)99), 10));
        using var stream = new MemoryStream();
        var export = await fixture.CommandAsync(NetworkAuditor, new ExportAuditEvents(new AuditFilter(PatientId: new string('1', 65)), stream));

        Assert.Contains("ends before it starts", backwards.Failure!.Message);
        Assert.Contains("too long", tooLong.Failure!.Message);
        Assert.Contains("Unknown event type", unknown.Failure!.Message);
        Assert.Equal(FailureKind.Invalid, export.Failure!.Kind);
        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData("clerk.nvh")]
    [InlineData("approver.sbr")]
    [InlineData("admin.nvh")]
    [InlineData("netadmin")]
    public async Task NonAuditors_AreRefused_AndNothingIsExported(string userName)
    {
        using var stream = new MemoryStream();

        var list = await fixture.QueryAsync(userName, new ListAuditEvents(new AuditFilter(), 10));
        var verify = await fixture.QueryAsync(userName, new VerifyAuditTrail());
        var export = await fixture.CommandAsync(userName, new ExportAuditEvents(new AuditFilter(), stream));

        Assert.Equal([FailureKind.Forbidden, FailureKind.Forbidden, FailureKind.Forbidden], [list.Failure!.Kind, verify.Failure!.Kind, export.Failure!.Kind]);
        Assert.Equal(0, stream.Length);
        Assert.False(await fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.Export && e.UserName == userName, Cancel)));
    }

    [Fact]
    public async Task Export_WritesTheFilteredEventsAsSafeCsv_AndIsAudited()
    {
        using (var scope = fixture.Services.CreateScope())
        {
            var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            await trail.RecordAsync(new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure,
                "=HYPERLINK(\"http://evil.example\",\"click\"), then more", PatientId: "AUD-X1", ObjectReference: "OBJ-EXPORT-1"), "u1", "@mallory", null, "10.1.2.3", Cancel);
            await trail.RecordAsync(new AuditEntry(AuditEventType.Query, AuditAction.Execute, AuditOutcome.Success, "+second"), "u1", "-eve", null, null, Cancel);
        }

        using var stream = new MemoryStream();
        var result = await fixture.CommandAsync(NetworkAuditor, new ExportAuditEvents(new AuditFilter(RequestNumber: "OBJ-EXPORT-1"), stream));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.Equal(new CsvExport(1, false), result.Value);
        Assert.Contains("newest first", (await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Type == AuditEventType.Export && e.UserName == NetworkAuditor)
            .OrderByDescending(e => e.Sequence).Select(e => e.Description).FirstAsync(Cancel))));
        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Sequence,Id,At (UTC),Type,Action,Outcome,User id,User name,Facility,Address,Patient id,Object,Description,Previous hash,Hash", lines[0]);
        Assert.Contains(",SecurityAlert,Execute,SeriousFailure,u1,'@mallory,,10.1.2.3,AUD-X1,OBJ-EXPORT-1,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\"), then more\",", lines[1]);

        var exported = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Type == AuditEventType.Export && e.UserName == NetworkAuditor).ToListAsync(Cancel));
        var audit = Assert.Single(exported, e => e.Description.Contains("request=OBJ-EXPORT-1"));
        Assert.Contains("1 events", audit.Description);
        Assert.Equal(AuditAction.Read, audit.Action);
    }

    [Theory]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    [InlineData("plain", "plain")]
    public void CsvCells_AreQuoted_AndNeverStartAFormula(string value, string expected) => Assert.Equal(expected, CsvWriter.Cell(value));

    [Fact]
    public async Task VerifyIntegrity_ReportsAnIntactTrail()
    {
        await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-V1");

        var result = await fixture.QueryAsync(NetworkAuditor, new VerifyAuditTrail(AuditVerificationScope.Full));

        Assert.True(result.Value!.IsIntact, result.Value.Problem);
        Assert.Equal(await fixture.DbAsync(db => db.AuditEvents.LongCountAsync(Cancel)), result.Value.EventsChecked);
    }

    [Fact]
    public async Task ViewingTheTrail_IsAudited_OncePerQuery_WithTheFilters()
    {
        var auditorSbr = await EnsureUserAsync(fixture, "auditor.sbr", Roles.Auditor, "SBR");
        var sbr = await FacilityIdAsync(fixture, "SBR");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await fixture.QueryAsync(auditorSbr, new ListAuditEvents(new AuditFilter(UserName: "view-probe", Outcome: AuditOutcome.Success), 25));
        await fixture.QueryAsync(auditorSbr, new ListAuditEvents(new AuditFilter(UserName: "view-probe", Outcome: AuditOutcome.Success), 25, Before: 1000));

        var views = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.UserName == auditorSbr && e.Description.Contains("user=view-probe"))
            .OrderBy(e => e.Sequence).ToListAsync(Cancel));
        Assert.Equal(2, views.Count);
        Assert.All(views, v =>
        {
            Assert.Equal((AuditEventType.Query, AuditOutcome.Success, sbr), (v.Type, v.Outcome, v.FacilityId));
            Assert.Contains("Audit trail viewed", v.Description);
            Assert.Contains("outcome=Success", v.Description);
            Assert.InRange(v.At, before, DateTimeOffset.UtcNow);
            Assert.Equal(TimeSpan.Zero, v.At.Offset);
        });
        Assert.Contains("newest events, 0 shown", views[0].Description);
        Assert.Contains("events before #1000, 0 shown", views[1].Description);
    }
}

/// <summary>Tampers with the trail, so it has a database of its own.</summary>
public sealed class AuditTamperingTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VerifyIntegrity_FindsAChangedRow_AndRaisesASecurityAlert()
    {
        await FileAsync(fixture, DemoUsers.ClerkNvh.UserName, "SBR", "AUD-T1");
        var victim = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.PatientId == "AUD-T1").Select(e => e.Sequence).FirstAsync(Cancel));

        // Someone with database access removes the append-only guard and rewrites history.
        await fixture.DbAsync(async db =>
        {
            await db.Database.ExecuteSqlRawAsync("DROP TRIGGER AuditEvents_NoUpdate", Cancel);
            return await db.Database.ExecuteSqlAsync($"UPDATE AuditEvents SET PatientId = 'SOMEONE-ELSE' WHERE Sequence = {victim}", Cancel);
        });

        var result = await fixture.QueryAsync(NetworkAuditor, new VerifyAuditTrail(AuditVerificationScope.Full));

        Assert.False(result.Value!.IsIntact);
        Assert.Equal(victim, result.Value.BrokenAt);
        Assert.Equal(victim - 1, result.Value.EventsChecked);
        Assert.Contains("changed after it was written", result.Value.Problem);
        var alert = await fixture.DbAsync(db => db.AuditEvents.OrderByDescending(e => e.Sequence).FirstAsync(Cancel));
        Assert.Equal((AuditEventType.SecurityAlert, AuditOutcome.MajorFailure, NetworkAuditor), (alert.Type, alert.Outcome, alert.UserName));
        Assert.Contains($"sequence {victim}", alert.Description);
    }
}
