using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Notifications;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Requests;

public abstract class RequestListAndExpiryTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<string> FileAsync(string family, string localMrn, RequestPriority priority)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Cancel));
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = family, GivenName = "Test", BirthDate = new DateOnly(1970, 1, 1), Sex = PatientSex.Other, LocalMrn = localMrn,
            Modalities = ["CT"], ClinicalReason = "Prior imaging for comparison.", Priority = priority, ConfirmedNotDuplicate = true,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!.Number!;
    }

    private Task SetDueAtAsync(string number, DateTimeOffset dueAt) =>
        fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).ExecuteUpdateAsync(s => s.SetProperty(r => r.DueAt, dueAt), Cancel));

    private Task<RequestStatus> StatusAsync(string number) =>
        fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Status).SingleAsync(Cancel));

    private async Task<IReadOnlyList<RequestRow>> ListAsync(RequestSort sort, string prefix)
    {
        var result = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(Patient: prefix), 0, 100, sort));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!.Items;
    }

    [Fact]
    public async Task TheClerksList_SortsOnTheServer_ByTheChosenColumn()
    {
        await FileAsync("Sortbury", "SORT-B", RequestPriority.Routine);
        await FileAsync("Sortbury", "SORT-A", RequestPriority.Stat);
        await FileAsync("Sortbury", "SORT-C", RequestPriority.Urgent);

        var byMrn = await ListAsync(new RequestSort(RequestSortColumn.LocalMrn, Descending: false), "Sortbury");
        Assert.Equal(["SORT-A", "SORT-B", "SORT-C"], byMrn.Select(r => r.LocalMrn));
        var byMrnDescending = await ListAsync(new RequestSort(RequestSortColumn.LocalMrn, Descending: true), "Sortbury");
        Assert.Equal(["SORT-C", "SORT-B", "SORT-A"], byMrnDescending.Select(r => r.LocalMrn));

        // Priority sorts by urgency, not alphabetically (which would put routine before STAT).
        var byPriority = await ListAsync(new RequestSort(RequestSortColumn.Priority, Descending: false), "Sortbury");
        Assert.Equal([RequestPriority.Stat, RequestPriority.Urgent, RequestPriority.Routine], byPriority.Select(r => r.Priority));

        var newestFirst = await ListAsync(RequestSort.Default, "Sortbury");
        Assert.Equal(["SORT-C", "SORT-A", "SORT-B"], newestFirst.Select(r => r.LocalMrn));
    }

    [Fact]
    public async Task ThePatientSearch_FindsTheStartOfTheName_InAnyCase_OrAnExactMrn()
    {
        await FileAsync("Élodiez", "SRCH-1", RequestPriority.Routine);
        await FileAsync("Searchwood", "SRCH-2", RequestPriority.Routine);
        await FileAsync("Searchwoodley", "SRCH-3", RequestPriority.Routine);

        async Task<string[]> FindAsync(string text) =>
            [.. (await ListAsync(new RequestSort(RequestSortColumn.LocalMrn, Descending: false), text)).Select(r => r.LocalMrn)];

        Assert.Equal(["SRCH-2", "SRCH-3"], await FindAsync("searchw"));
        Assert.Equal(["SRCH-2", "SRCH-3"], await FindAsync(" SEARCHWOOD "));
        Assert.Equal(["SRCH-2"], await FindAsync("searchwood test"));
        Assert.Equal(["SRCH-1"], await FindAsync("élod"));
        Assert.Equal(["SRCH-3"], await FindAsync("SRCH-3"));
        Assert.Empty(await FindAsync("srch-3"));
        Assert.Empty(await FindAsync("woodley"));

        // By patient: family name, then given name, whatever the case the clerk typed them in.
        var byPatient = await ListAsync(new RequestSort(RequestSortColumn.Patient, Descending: true), "searchwood");
        Assert.Equal(["SRCH-3", "SRCH-2"], byPatient.Select(r => r.LocalMrn));
    }

    [Fact]
    public async Task AForgedSortColumn_IsRefused()
    {
        var result = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName,
            new ListRequests(new RequestFilter(), 0, 10, new RequestSort((RequestSortColumn)99, Descending: false)));

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("sort", result.Failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ARequestLongPastDue_Expires_AndTheClerkIsTold_WhileOneWithinTheGracePeriodStaysOpen()
    {
        var forgotten = await FileAsync("Expirson", "EXP-1", RequestPriority.Routine);
        var lateButFresh = await FileAsync("Expirson", "EXP-2", RequestPriority.Routine);
        var decided = await FileAsync("Expirson", "EXP-3", RequestPriority.Routine);
        var version = (await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(decided))).Value!.Version;
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(decided, version))).IsSuccess);
        version = (await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(decided))).Value!.Version;
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new DenyRequest(decided, version, DenialReason.PatientNotFound, null))).IsSuccess);
        var now = DateTimeOffset.UtcNow;
        await SetDueAtAsync(lateButFresh, now.AddHours(-2));
        await SetDueAtAsync(decided, now.AddDays(-30));
        await SetDueAtAsync(forgotten, now.AddDays(-3));

        // The background job (every second here) picks it up. It saves the request first and tells the clerk after
        // that, so poll with a deadline for the last of its effects, the note under the clerk's bell.
        await Poll.UntilAsync(() => ClerkWasToldAsync(forgotten), TimeSpan.FromSeconds(30),
            async () => $"The clerk was not told within 30 s that the overdue request expired (it is {await StatusAsync(forgotten)}).");

        Assert.Equal(RequestStatus.Expired, await StatusAsync(forgotten));
        Assert.Equal(RequestStatus.Submitted, await StatusAsync(lateButFresh));
        Assert.Equal(RequestStatus.Denied, await StatusAsync(decided));
        var details = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetRequest(forgotten))).Value!;
        Assert.Contains(details.Timeline, e => e.Kind == RequestEventKind.Expired);
        var audited = await fixture.DbAsync(db => db.AuditEvents.AnyAsync(
            e => e.ObjectReference == forgotten && e.Type == AuditEventType.PatientRecord && e.UserName == "system", Cancel));
        Assert.True(audited, "The expiry was not audited.");
    }

    private async Task<bool> ClerkWasToldAsync(string number)
    {
        var bell = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetMyNotifications(50))).Value!;
        return bell.Latest.Any(n => n.Text.Contains($"{number} expired") && n.Link == $"/requests/{number}");
    }

    [Fact]
    public async Task ExpiringTwice_ExpiresOnce()
    {
        var number = await FileAsync("Twiceton", "TWICE-1", RequestPriority.Stat);
        await SetDueAtAsync(number, DateTimeOffset.UtcNow.AddDays(-5));

        // Two nodes running the job at the same moment: the concurrency token lets one of them win.
        await using var first = fixture.Services.CreateAsyncScope();
        await using var second = fixture.Services.CreateAsyncScope();
        var counts = await Task.WhenAll(
            first.ServiceProvider.GetRequiredService<RequestExpiry>().ExpireOverdueAsync(Cancel),
            second.ServiceProvider.GetRequiredService<RequestExpiry>().ExpireOverdueAsync(Cancel));

        Assert.Equal(RequestStatus.Expired, await StatusAsync(number));
        var details = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetRequest(number))).Value!;
        Assert.Single(details.Timeline, e => e.Kind == RequestEventKind.Expired);
        Assert.True(counts.Sum() <= 1, $"Expired {counts.Sum()} times.");
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class RequestListAndExpiryTests(FastExpiryFixture fixture) : RequestListAndExpiryTestsBase(fixture), IClassFixture<FastExpiryFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class RequestListAndExpiryOnPostgreSqlTests(FastExpiryOnPostgreSqlFixture fixture) : RequestListAndExpiryTestsBase(fixture), IClassFixture<FastExpiryOnPostgreSqlFixture>;
