using System.Diagnostics;
using System.Text.RegularExpressions;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The database work of the retrieval workers, counted in SQL statements (issue 16: on a shared database every statement
/// costs every node). A running job's heartbeat renews its lease and writes its progress about once a second; an idle
/// worker looks for due jobs every poll interval. Both ran more statements than they needed: a tick renewed the lease,
/// read the cancel flag, wrote the job's counters and every study's row (changed or not), and told the pages; each
/// worker loop polled the queue on its own.
/// </summary>
public sealed partial class RetrievalDatabaseWorkTests(CountedRetrievalFixture fixture) : IClassFixture<CountedRetrievalFixture>
{
    /// <summary>The statements a tick may run while nothing moved: the one update that renews the lease and writes the job's counters.</summary>
    private const int StatementsPerIdleTick = 1;

    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AHeartbeatTick_RunsOneStatement_ThatSearchesAnIndex_After2InstancesAsAfter200()
    {
        using var files = new TempDirectory("retrieve-db-work");
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var studies = new[] { 100, 100, 10 }
            .Select((images, i) => SyntheticStudy.Write(files.Combine($"s{i}"), patientId: "SBR-5400", series: 1, imagesPerSeries: images))
            .ToList();
        var archive = new SteppedArchive(new TestArchive(studies.SelectMany(s => s.Files)), allowed: 2);
        await using var source = await _steps.ServeAsync(archive, destination);

        var number = await _steps.FileAndApproveAsync("MRN-5400", [.. studies.Select(s => RetrievalSteps.Approval(s))]);
        try
        {
            var requestId = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Id).SingleAsync(Ct));
            var jobId = await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.RequestId == requestId).Select(j => j.Id).SingleAsync(Ct));
            await WaitForDoneAsync(jobId, 2);
            var early = await TicksAsync(3);
            archive.Allow(200);
            await WaitForDoneAsync(jobId, 200);
            var late = await TicksAsync(3);

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"Statements per tick after 2 instances: {string.Join(", ", early.Select(t => t.Count))}; after 200: {string.Join(", ", late.Select(t => t.Count))}");
            Assert.All(early.Concat(late), tick => Assert.True(tick.Count <= StatementsPerIdleTick, Describe("A tick", tick)));
            Assert.Equal(early.Select(t => t.Count), late.Select(t => t.Count));
            foreach (var sql in late.SelectMany(t => t).Distinct())
            {
                var plan = await PlanAsync(sql);
                Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
            }
        }
        finally
        {
            archive.Allow(int.MaxValue);
        }

        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(210, (await destination.InstanceUidsAsync(Ct)).Count);
    }

    [Fact]
    public async Task AnIdleWorker_LooksForAJobOncePerPollInterval_WhateverItsNumberOfLoops()
    {
        var interval = fixture.Services.GetRequiredService<IOptionsMonitor<RetrievalOptions>>().CurrentValue.PollInterval;
        await Poll.UntilAsync(
            () => fixture.DbAsync(db => db.RetrievalJobs.AllAsync(j => j.State != RetrievalJobState.Running && j.State != RetrievalJobState.Queued, Ct)),
            TimeSpan.FromSeconds(60));

        const int polls = 10;
        var mark = fixture.Commands.Count;
        await Poll.UntilAsync(() => Task.FromResult(fixture.Commands.Since(mark).Count(SqlCommandCounter.IsLeasePoll) >= polls), TimeSpan.FromSeconds(30));
        var at = fixture.Commands.TimedSince(mark).Where(c => SqlCommandCounter.IsLeasePoll(c.Sql)).Select(c => c.At).Take(polls).ToList();
        var gaps = at.Zip(at.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine($"Gaps between lease polls (s): {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("0.000")))}");

        // One loop looks at a time and waits a poll interval between looks; a loaded machine only widens the gaps. Two
        // loops that each poll on their own leave gaps far shorter than the interval, however loaded.
        Assert.All(gaps, gap => Assert.True(gap >= interval * 0.9,
            $"Two lease polls {gap.TotalSeconds:0.000} s apart, with a poll interval of {interval.TotalSeconds:0.0} s: {string.Join(", ", gaps.Select(g => g.TotalSeconds.ToString("0.000")))}"));
        var poll = fixture.Commands.Since(mark).First(SqlCommandCounter.IsLeasePoll);
        var plan = await PlanAsync(poll);
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN", StringComparison.Ordinal));
    }

    /// <summary>
    /// The look for a due job that finds none, as an idle worker runs it every poll interval, is a compiled query: it
    /// allocates less than the same query that EF Core must look up in its cache by its expression each time (bytes
    /// allocated on the polling thread: SQLite answers synchronously, and a sample whose thread changed is left out).
    /// </summary>
    [Fact]
    public async Task AnIdlePoll_AllocatesLessThanTheSameQueryUncompiled()
    {
        var queue = fixture.Services.GetRequiredService<RetrievalQueue>();
        var factory = fixture.Services.GetRequiredService<IDbContextFactory<ImagePortal.Infrastructure.Data.ImagePortalDbContext>>();
        var past = DateTimeOffset.UtcNow.AddYears(-20);
        async Task<object?> PollAsync() => await queue.TryLeaseAsync("probe", TimeSpan.FromSeconds(1), Ct);
        async Task<object?> UncompiledAsync()
        {
            // RetrievalQueue's look, as it was: due jobs long ago (none), ordered, ten ids.
            await using var db = await factory.CreateDbContextAsync(Ct);
            return await db.RetrievalJobs.AsNoTracking()
                .Where(j => (j.State == RetrievalJobState.Queued && j.NextAttemptAt <= past) || (j.State == RetrievalJobState.Running && j.LeaseExpiresAt < past))
                .OrderBy(j => j.NextAttemptAt).ThenBy(j => j.Id).Select(j => j.Id).Take(10).ToListAsync(Ct);
        }

        await Poll.UntilAsync(
            () => fixture.DbAsync(db => db.RetrievalJobs.AllAsync(j => j.State != RetrievalJobState.Running && j.State != RetrievalJobState.Queued, Ct)),
            TimeSpan.FromSeconds(60));
        var polled = await AllocatedAsync(PollAsync);
        var uncompiled = await AllocatedAsync(UncompiledAsync);
        TestContext.Current.TestOutputHelper?.WriteLine($"Bytes allocated by an idle poll: {polled:0}; by the same query uncompiled: {uncompiled:0}");
        Assert.True(polled < uncompiled * 0.9, $"A poll allocates {polled:0} bytes, the same query uncompiled {uncompiled:0}");
    }

    /// <summary>The median of the bytes one call of <paramref name="work"/> allocates on its thread, warm.</summary>
    private static async Task<double> AllocatedAsync(Func<Task<object?>> work)
    {
        var samples = new List<long>();
        for (var i = 0; i < 60; i++)
        {
            var thread = Environment.CurrentManagedThreadId;
            var before = GC.GetAllocatedBytesForCurrentThread();
            await work();
            var after = GC.GetAllocatedBytesForCurrentThread();
            if (i >= 10 && Environment.CurrentManagedThreadId == thread)
            {
                samples.Add(after - before);
            }
        }

        Assert.True(samples.Count >= 10, $"Only {samples.Count} samples stayed on their thread");
        samples.Sort();
        return samples[samples.Count / 2];
    }

    /// <summary>The statements of the next <paramref name="count"/> heartbeat ticks (from one renewal to the next), lease polls left out.</summary>
    private async Task<List<List<string>>> TicksAsync(int count)
    {
        var mark = fixture.Commands.Count;
        await Poll.UntilAsync(
            () => Task.FromResult(fixture.Commands.Since(mark).Count(SqlCommandCounter.IsRenewal) > count),
            TimeSpan.FromSeconds(30));
        var ticks = new List<List<string>>();
        foreach (var sql in fixture.Commands.Since(mark).Where(s => !SqlCommandCounter.IsLeasePoll(s)))
        {
            if (SqlCommandCounter.IsRenewal(sql))
            {
                ticks.Add([]);
            }

            ticks.LastOrDefault()?.Add(sql);
        }

        return ticks[..count];
    }

    private async Task WaitForDoneAsync(Guid jobId, int done) =>
        await Poll.UntilAsync(
            () => fixture.DbAsync(db => db.RetrievalJobs.AnyAsync(j => j.Id == jobId && j.DoneInstances >= done, Ct)),
            TimeSpan.FromSeconds(60),
            async () => $"The job did not reach {done} instances: {await fixture.DbAsync(db => db.RetrievalJobs.Where(j => j.Id == jobId).Select(j => $"{j.State}, {j.DoneInstances} done, {j.LastError}").SingleAsync(Ct))}");

    /// <summary>SQLite's plan for <paramref name="sql"/>, one line a step ("SEARCH RetrievalJobs USING INTEGER PRIMARY KEY ...").</summary>
    private Task<List<string>> PlanAsync(string sql) => fixture.DbAsync(async db =>
    {
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in Parameter().Matches(sql).Select(m => m.Value).Distinct())
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = DBNull.Value;
            command.Parameters.Add(parameter);
        }

        var steps = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            steps.Add(reader.GetString(reader.FieldCount - 1));
        }

        return steps;
    });

    private static string Describe(string what, List<string> statements) =>
        $"{what} ran {statements.Count} statement(s), at most {StatementsPerIdleTick} expected:\n{string.Join("\n---\n", statements)}";

    [GeneratedRegex(@"@[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Parameter();
}
