using System.Data.Common;
using System.Text.RegularExpressions;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using ImagePortal.Web.Features.Common;
using ImagePortal.Web.Features.Jobs;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Infrastructure;

/// <summary>
/// The pages' filters are answered from an index, not by reading the whole table (the audit trail's Patient ID filter
/// once scanned a million events twice). Checked in SQLite's own query plan for the query the page sends.
/// </summary>
public sealed partial class QueryPlanTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("patient")]
    [InlineData("request")]
    public async Task TheAuditTrailsExactFilters_ReadAnIndex_NotTheWholeTrail(string filter)
    {
        var auditFilter = filter == "patient" ? new AuditFilter(PatientId: "NVH-0042") : new AuditFilter(RequestNumber: "REQ-2026-000042");

        var plan = await fixture.DbAsync(db => PlanAsync(db, AuditQueries.Apply(db.AuditEvents, auditFilter).OrderByDescending(e => e.Sequence).Take(25)));

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.Contains(filter == "patient" ? "IX_AuditEvents_PatientId_Sequence" : "IX_AuditEvents_ObjectReference_Sequence", plan);
    }

    [Fact]
    public async Task NetworkWideRequestsOfAPeriod_ReadAnIndex_NotEveryRequest()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddMonths(1);

        var plan = await fixture.DbAsync(db => PlanAsync(db, db.ImageRequests.Where(r => r.CreatedAt >= start && r.CreatedAt < end).Select(r => r.Id)));

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.Contains("IX_ImageRequests_CreatedAt", plan);
    }

    [Theory]
    [InlineData("newest")]
    [InlineData("older")]
    [InlineData("newer")]
    [InlineData("facility")]
    [InlineData("patient, older")]
    public async Task TheAuditPagesKeysetPages_ReadAnIndex_NotTheWholeTrail(string page)
    {
        // What ListAuditEvents sends: the page's rows and one more, keyed on the sequence number, with no COUNT.
        var plan = await fixture.DbAsync(async db =>
        {
            var facility = await db.Facilities.Select(f => (Guid?)f.Id).FirstAsync(Ct);
            var events = page switch
            {
                "facility" => db.AuditEvents.Where(e => e.FacilityId == facility),
                "patient, older" => AuditQueries.Apply(db.AuditEvents, new AuditFilter(PatientId: "NVH-0042")),
                _ => db.AuditEvents,
            };
            var before = page is "older" or "patient, older" ? 5000L : long.MaxValue;
            return page == "newer"
                ? await PlanAsync(db, events.Where(e => e.Sequence > 5000L).OrderBy(e => e.Sequence).Take(26))
                : await PlanAsync(db, events.Where(e => e.Sequence < before).OrderByDescending(e => e.Sequence).Take(26));
        });

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
        Assert.Contains(page switch
        {
            "facility" => "IX_AuditEvents_FacilityId_Sequence",
            "patient, older" => "IX_AuditEvents_PatientId_Sequence",
            _ => "INTEGER PRIMARY KEY",
        }, plan);
    }

    [Theory]
    [InlineData("smi")]
    [InlineData("NVH-1001")]
    public async Task TheRequestListsPatientSearch_ReadsIndexes_NotEveryRequestOfTheFacility(string text)
    {
        // What ListRequests sends (it was a substring test, instr(), on every request of the facility).
        var plan = await fixture.DbAsync(async db =>
        {
            Guid? facility = await db.Facilities.Select(f => f.Id).FirstAsync(Ct);
            var requests = RequestLists.FiledBy(db.ImageRequests, facility, text);
            return await PlanAsync(db, RequestLists.Sort(requests, RequestSort.Default).Take(25));
        });

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.Contains("IX_ImageRequests_RequestingFacilityId_PatientNameKey_Number", plan);
        Assert.Contains("IX_ImageRequests_RequestingFacilityId_PatientLocalMrn", plan);
        Assert.Contains("IX_ImageRequests_RequestingFacilityId_PatientSourceMrn", plan);
        Assert.DoesNotContain("instr", plan, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheRequestListSortedByPatient_ReadsTheFacilitysRequestsInOrder_FromAnIndex(bool descending)
    {
        var plan = await fixture.DbAsync(async db =>
        {
            Guid? facility = await db.Facilities.Select(f => f.Id).FirstAsync(Ct);
            var requests = RequestLists.FiledBy(db.ImageRequests, facility, null);
            return await PlanAsync(db, RequestLists.Sort(requests, new RequestSort(RequestSortColumn.Patient, descending)).Skip(50).Take(25));
        });

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", plan);
        Assert.Contains("IX_ImageRequests_RequestingFacilityId_PatientNameKey_Number", plan);
    }

    /// <summary>
    /// The home page's figures (in the scale bench, bench/, the clerk's home took 1.5 s at 100,000 requests, the
    /// auditor's 0.7 s): each count reads an index range, not every request, job or timeline event of the facility.
    /// </summary>
    [Theory]
    [InlineData("clerk open", "(RequestingFacilityId=? AND Status=?)")]
    [InlineData("clerk awaiting", "(RequestingFacilityId=? AND Status=?)")]
    [InlineData("clerk overdue", "(RequestingFacilityId=? AND Status=? AND DueAt<?)")]
    [InlineData("clerk completed today", "(State=? AND FinishedAt>?)")]
    [InlineData("approver inbox", "(SourceFacilityId=? AND Status=?)")]
    [InlineData("approver due today", "(SourceFacilityId=? AND Status=? AND DueAt>? AND DueAt<?)")]
    [InlineData("auditor denied", "(Status=? AND DecidedAt>?)")]
    [InlineData("auditor imports finished", "(State=? AND FinishedAt>?)")]
    public async Task TheHomePagesFigures_ReadAnIndexRange(string figure, string range)
    {
        var facility = Guid.NewGuid();
        var now = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        var day = FacilityDay.At(now, TimeZoneInfo.Utc);

        var plan = await fixture.DbAsync(db =>
        {
            var filed = db.ImageRequests.Where(r => r.RequestingFacilityId == facility);
            var asked = db.ImageRequests.Where(r => r.SourceFacilityId == facility);
            IQueryable<Guid> ids = figure switch
            {
                "clerk open" => RequestLists.InQueue(db, filed, RequestQueue.Open, "u", now, day).Select(r => r.Id),
                "clerk awaiting" => RequestLists.InQueue(db, filed, RequestQueue.AwaitingAnswer, "u", now, day).Select(r => r.Id),
                "clerk overdue" => RequestLists.InQueue(db, filed, RequestQueue.Overdue, "u", now, day).Select(r => r.Id),
                "clerk completed today" => RequestLists.InQueue(db, filed, RequestQueue.CompletedToday, "u", now, day).Select(r => r.Id),
                "approver inbox" => RequestLists.InQueue(db, asked, RequestQueue.AwaitingAnswer, "u", now, day).Select(r => r.Id),
                "approver due today" => RequestLists.InQueue(db, asked, RequestQueue.DueToday, "u", now, day).Select(r => r.Id),
                "auditor denied" => db.ImageRequests.Where(r => r.Status == ImagePortal.Domain.Requests.RequestStatus.Denied && r.DecidedAt >= day.MonthStart).Select(r => r.Id),
                _ => ImagePortal.Web.Features.Home.GetHomeSummaryHandler.FinishedImports(db.RetrievalJobs, day.MonthStart).Select(j => j.Id),
            };
            return PlanAsync(db, ids);
        });

        Assert.DoesNotMatch(FullScan(), plan);
        Assert.Contains(range, plan);
    }

    /// <summary>The clerk's "latest updates": the newest timeline events, read newest first from an index until five requests are found.</summary>
    [Fact]
    public async Task TheClerksLatestUpdates_WalkTheTimelineNewestFirst_FromAnIndex()
    {
        var facility = Guid.NewGuid();
        var plan = await fixture.DbAsync(db => PlanAsync(db, ImagePortal.Web.Features.Home.GetHomeSummaryHandler.LatestChanges(db, facility)));

        Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", plan);
        Assert.Contains("IX_RequestEvents_At", plan);

        // Each event's request is looked up by its key, not joined to every request of the facility: SQLite turns an
        // EXISTS into a Bloom filter built from all of them first (30 ms at 100,000 requests, 2 ms at 10,000).
        Assert.DoesNotContain("BLOOM FILTER", plan);
        Assert.Contains("CORRELATED SCALAR SUBQUERY", plan);
        Assert.DoesNotMatch(@"ImageRequests_RequestingFacilityId", plan);
    }

    /// <summary>
    /// The Jobs board (in the scale bench, bench/, it was 3.4x slower at ten times the jobs): running, failed and
    /// queued jobs and then the rest, each read newest first along an index as far as the page reaches, with no sort of
    /// the facility's jobs; the ranked states are counted in an index.
    /// </summary>
    [Theory]
    [InlineData("source", "running")]
    [InlineData("source", "failed")]
    [InlineData("source", "queued")]
    [InlineData("source", "rest")]
    [InlineData("source", "counts")]
    [InlineData("requesting", "failed")]
    [InlineData("requesting", "rest")]
    [InlineData("requesting", "counts")]
    public async Task TheJobsBoard_ReadsEachStateNewestFirst_FromAnIndex(string side, string part)
    {
        var facility = Guid.NewGuid();
        var plan = await fixture.DbAsync(db =>
        {
            // What JobAccess.Visible leaves for an approver (source side) or a clerk (requesting side).
            var visible = side == "source" ? db.RetrievalJobs.Where(j => j.SourceFacilityId == facility) : db.RetrievalJobs.Where(j => j.RequestingFacilityId == facility);
            return part switch
            {
                "counts" => PlanAsync(db, ListJobsHandler.RankedCounts(visible)),
                "rest" => PlanAsync(db, ListJobsHandler.InRank(visible, null).Skip(25).Take(25).Select(j => j.Id)),
                _ => PlanAsync(db, ListJobsHandler.InRank(visible, Enum.Parse<RetrievalJobState>(part, ignoreCase: true)).Skip(25).Take(25).Select(j => j.Id)),
            };
        });

        var column = side == "source" ? "SourceFacilityId" : "RequestingFacilityId";
        Assert.DoesNotMatch(FullScan(), plan);
        // The index gives the order; only jobs created in the same instant (a batch) are put in order of their id, a
        // group at a time ("FOR LAST TERM"), never the whole state sorted.
        Assert.DoesNotContain("USE TEMP B-TREE FOR ORDER BY", plan);
        Assert.Equal(part == "counts" ? 0 : 1, System.Text.RegularExpressions.Regex.Count(plan, "TEMP B-TREE FOR (LAST TERM|RIGHT PART OF ORDER BY)"));
        Assert.Contains(part == "rest" ? $"IX_RetrievalJobs_{column}_CreatedAt ({column}=?)" : $"IX_RetrievalJobs_State_{column}_CreatedAt (State=? AND {column}=?)", plan);
    }

    /// <summary>
    /// The quick verification checks every checkpoint against its event in one query, each event found by its key
    /// (it loaded the whole events, 500 at a time: at a million events that was the most of its time).
    /// </summary>
    [Fact]
    public async Task TheCheckpointsEvents_AreFoundByTheirKey()
    {
        var plan = await fixture.DbAsync(db => PlanAsync(db, ImagePortal.Infrastructure.Audit.AuditVerifier.FailingCheckpoints(db)));

        Assert.Matches(@"SEARCH a0 USING INTEGER PRIMARY KEY \(rowid=\?\)", plan);
        Assert.DoesNotContain("TEMP B-TREE", plan);
    }

    /// <summary>
    /// A date-range page of the audit trail (it took 0.9 s for a year of a million events, every event of the range
    /// read and sorted): the events next to the page's key are read by primary key; when the range does not fill the
    /// page there, the range's sequence numbers come from the time index alone, without reading the events.
    /// </summary>
    [Theory]
    [InlineData("near", null)]
    [InlineData("near", "facility")]
    [InlineData("range", null)]
    [InlineData("range", "facility")]
    public async Task TheAuditTrailsDateRange_ReadsTheEventsNextToTheKey_OrTheTimeIndexAlone(string step, string? scope)
    {
        var filter = new AuditFilter(From: new DateOnly(2025, 12, 1), To: new DateOnly(2025, 12, 31));
        var plan = await fixture.DbAsync(async db =>
        {
            var facility = await db.Facilities.Select(f => (Guid?)f.Id).FirstAsync(Ct);
            var events = scope is null ? db.AuditEvents : db.AuditEvents.Where(e => e.FacilityId == facility);
            return step == "near"
                ? await PlanAsync(db, AuditQueries.Near(events, 9001L, 10000L))
                : await PlanAsync(db, AuditQueries.DatedSequences(AuditQueries.Apply(events, filter), 10000L, newer: false).Take(26));
        });

        // A facility auditor's range may also be read along (FacilityId, Sequence), newest first: SQLite's choice.
        Assert.DoesNotMatch(FullScan(), plan);
        var expected = step == "near"
            ? scope is null ? "USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)" : "IX_AuditEvents_FacilityId_Sequence (FacilityId=? AND Sequence>? AND Sequence<?)"
            : scope is null ? "COVERING INDEX IX_AuditEvents_At_Type (At>? AND At<?)" : "(FacilityId=? AND ";
        Assert.True(plan.Contains(expected, StringComparison.Ordinal), plan);
    }

    /// <summary>SQLite's plan for <paramref name="query"/>, one step per line, with its parameters bound as EF binds them.</summary>
    private static async Task<string> PlanAsync<T>(ImagePortalDbContext db, IQueryable<T> query)
    {
        // ToQueryString gives ".param set @name value" lines, a blank line, then the SQL.
        var text = query.ToQueryString();
        var parameters = ParamLine().Matches(text).Select(m => (Name: m.Groups["name"].Value, Value: m.Groups["value"].Value)).ToList();
        var sql = string.Join('\n', text.Split('\n').Where(line => !line.StartsWith(".param", StringComparison.Ordinal)));

        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(Ct);
        await using DbCommand command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value.StartsWith('\'') ? value.Trim('\'') : long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
            command.Parameters.Add(parameter);
        }

        var steps = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            steps.Add(reader.GetString(3));
        }

        // A page of entities with an owned collection is a subquery (a co-routine) joined to that collection: reading
        // the subquery's few rows ("SCAN i0") is not reading a table.
        var subqueries = steps.Select(step => SubqueryStep().Match(step)).Where(m => m.Success).Select(m => "SCAN " + m.Groups["name"].Value).ToHashSet();
        return string.Join('\n', steps.Where(step => !subqueries.Contains(step)));
    }

    /// <summary>
    /// "SCAN a" reads every row of the table (or every entry of an index, with "USING INDEX"), as opposed to
    /// "SEARCH a USING INDEX ... (PatientId=?)", which reads only the matching ones. These queries read one table.
    /// </summary>
    [GeneratedRegex(@"\bSCAN\b")]
    private static partial Regex FullScan();

    [GeneratedRegex(@"^(CO-ROUTINE|MATERIALIZE) (?<name>\S+)$")]
    private static partial Regex SubqueryStep();

    [GeneratedRegex(@"^\.param set (?<name>@\S+) (?<value>.+)$", RegexOptions.Multiline)]
    private static partial Regex ParamLine();
}
