using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// A date range that ends in the past reads its page from the largest sequence number that can hold an event dated
/// before its end, which the checkpoints' earliest event times give (<see cref="AuditSequenceBound"/>). A bound one
/// event too low silently drops that event from an auditor's page, so the trail here is built to catch every way the
/// bound can be wrong: events dated a tick inside and a tick outside the range far after the range's other events,
/// events sealed late (from the outbox) with an old time both in a checkpointed span and after the last checkpoint.
/// </summary>
public abstract class AuditPastRangeTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Range = new(2023, 6, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2023, 6, 20, 0, 0, 0, TimeSpan.Zero); // the range 06-10 to 06-19 ends here

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task EveryPastRangePage_IsThePageTheOrderedRangeGives(int window)
    {
        var trail = await SeedAsync();
        var filters = new[]
        {
            new AuditFilter(From: new DateOnly(2023, 6, 10), To: new DateOnly(2023, 6, 19)),
            new AuditFilter(From: new DateOnly(2023, 6, 10), To: new DateOnly(2023, 6, 19), Type: AuditEventType.Query),
            new AuditFilter(To: new DateOnly(2023, 6, 19)),
            new AuditFilter(To: new DateOnly(2023, 6, 9)),
            new AuditFilter(From: new DateOnly(2023, 6, 19), To: new DateOnly(2023, 6, 19)),
            new AuditFilter(From: new DateOnly(2023, 6, 20), To: new DateOnly(2023, 6, 25)),
            new AuditFilter(From: new DateOnly(2023, 6, 1), To: new DateOnly(2023, 6, 4)),
        };
        var keys = trail.Sequences.Where((_, i) => i % 5 == 0).Concat(trail.Late).Concat([trail.Sequences[^1] + 1, long.MaxValue]).ToList();

        var checkedPages = 0;
        await fixture.DbAsync(async db =>
        {
            foreach (var filter in filters)
            {
                var dated = AuditQueries.Apply(db.AuditEvents.AsNoTracking(), filter);
                foreach (var key in keys)
                {
                    foreach (var newer in new[] { false, true })
                    {
                        var expected = newer
                            ? await dated.Where(e => e.Sequence > key).OrderBy(e => e.Sequence).Select(e => e.Sequence).Take(4).ToListAsync(Cancel)
                            : await dated.Where(e => e.Sequence < key).OrderByDescending(e => e.Sequence).Select(e => e.Sequence).Take(4).ToListAsync(Cancel);
                        var page = await AuditQueries.DatedPageAsync(db, db.AuditEvents.AsNoTracking(), filter, key, newer, 4, Cancel, window);

                        Assert.True(expected.SequenceEqual(page.Select(e => e.Sequence)),
                            $"{AuditQueries.Describe(filter)}, key {key}, {(newer ? "newer" : "older")}, window {window}: " +
                            $"expected [{string.Join(", ", expected)}], got [{string.Join(", ", page.Select(e => e.Sequence))}]");
                        checkedPages++;
                    }
                }
            }

            return 0;
        });

        Assert.True(checkedPages > 200);
    }

    [Fact]
    public async Task TheBound_IsAtOrAboveEveryEventDatedBeforeTheEnd_ForEveryEnd()
    {
        var trail = await SeedAsync();
        await fixture.DbAsync(async db =>
        {
            var times = await db.AuditEvents.AsNoTracking().Select(e => e.At).Distinct().ToListAsync(Cancel);
            foreach (var end in times.SelectMany(t => new[] { t, t.AddTicks(10), t.AddTicks(-10) }).Distinct())
            {
                var truth = await db.AuditEvents.AsNoTracking().Where(e => e.At < end).MaxAsync(e => (long?)e.Sequence, Cancel) ?? 0;
                var bound = await AuditSequenceBound.BeforeAsync(db, end, Cancel);
                Assert.True(bound >= truth, $"end {end:O}: the bound {bound} is below event #{truth}, dated before the end");
            }

            // And it is a bound worth having: before the late events' times, the first checkpoint of the seed is the bound.
            Assert.Equal(trail.FirstCheckpoint, await AuditSequenceBound.BeforeAsync(db, new DateTimeOffset(2023, 6, 5, 0, 0, 0, TimeSpan.Zero), Cancel));
            return 0;
        });
    }

    [Fact]
    public async Task ACheckpointWithoutAnEarliestTime_IsNeverTrusted_AndTheMigrationFillsItAsTheWriterDoes()
    {
        var trail = await SeedAsync();
        await fixture.DbAsync(async db =>
        {
            var written = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence)
                .Select(c => new { c.Sequence, c.EarliestEventAt }).ToListAsync(Cancel);
            Assert.All(written, c => Assert.NotNull(c.EarliestEventAt));

            // As an older node leaves one, or the migration finds them: the bound is then at least that checkpoint.
            await db.AuditCheckpoints.ExecuteUpdateAsync(s => s.SetProperty(c => c.EarliestEventAt, (DateTimeOffset?)null), Cancel);
            var early = new DateTimeOffset(2023, 6, 5, 0, 0, 0, TimeSpan.Zero);
            Assert.Equal(written[^1].Sequence, await AuditSequenceBound.BeforeAsync(db, early, Cancel));

            await db.Database.ExecuteSqlRawAsync(AuditCheckpointBackfill.Standard, Cancel);
            var filled = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.Sequence)
                .Select(c => new { c.Sequence, c.EarliestEventAt }).ToListAsync(Cancel);
            Assert.Equal(written, filled);
            Assert.Equal(trail.FirstCheckpoint, await AuditSequenceBound.BeforeAsync(db, early, Cancel));
            return 0;
        });
    }

    /// <summary>The number of events in the seed's first span, the one that its first checkpoint seals.</summary>
    private const int FirstSpanLength = 22;

    /// <summary>The seeded trail: its events' numbers, the late ones among them, and the seed's first checkpoint.</summary>
    private sealed record Trail(List<long> Sequences, List<long> Late, long FirstCheckpoint);

    /// <summary>
    /// Spans of June 2023, each sealed by a checkpoint that the portal's own writer writes, after whatever the portal
    /// wrote at its start (today's events): before and in the range; after it with one event a tick before its end;
    /// after it with one at its end and one a tick before its start; after it with one sealed late, dated in it; and
    /// after the last checkpoint more of the same, with another one sealed late.
    /// </summary>
    private async Task<Trail> SeedAsync()
    {
        var existing = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Description.StartsWith("past range test"))
            .OrderBy(e => e.Sequence).Select(e => new { e.Sequence, e.Description }).ToListAsync(Cancel));
        if (existing.Count > 0)
        {
            // The seed's first checkpoint is the one at the end of its first span. The portal's own checkpoint service
            // may have written others inside the seed's spans while it ran; they only narrow what a checkpoint covers.
            return new Trail(existing.Select(e => e.Sequence).ToList(),
                existing.Where(e => e.Description.EndsWith("late", StringComparison.Ordinal)).Select(e => e.Sequence).ToList(),
                existing[FirstSpanLength - 1].Sequence);
        }

        var day = (int d, double hours) => new DateTimeOffset(2023, 6, d, 0, 0, 0, TimeSpan.Zero).AddHours(hours);
        List<List<(DateTimeOffset At, bool Late)>> spans =
        [
            [.. Enumerable.Range(0, 10).Select(i => (day(1, i * 9), false)), .. Enumerable.Range(0, 12).Select(i => (day(10 + (i * 7 % 10), i), false))],
            [.. Enumerable.Range(0, 6).Select(i => (day(25, i), false)), (End.AddTicks(-10), false), .. Enumerable.Range(0, 3).Select(i => (day(25, 8 + i), false))],
            [.. Enumerable.Range(0, 8).Select(i => (day(26, i), false)), (End, false), (Range.AddTicks(-10), false)],
            [.. Enumerable.Range(0, 10).Select(i => (day(27, i), false)), (day(12, 5), true), .. Enumerable.Range(0, 5).Select(i => (day(28, i), false))],
            [.. Enumerable.Range(0, 20).Select(i => (day(29, i), false))],
        ];
        List<(DateTimeOffset At, bool Late)> uncovered =
        [
            .. Enumerable.Range(0, 5).Select(i => (day(30, i), false)), (day(15, 3), true), .. Enumerable.Range(0, 5).Select(i => (day(30, 6 + i), false)),
        ];

        var checkpoints = fixture.Services.GetRequiredService<AuditCheckpoints>();
        var key = fixture.Services.GetRequiredService<AuditKeyRing>().Current;
        // The fixture's own node checkpoints the chain's tail in the background (AuditCheckpointService, every minute), at
        // once while the trail has none. A tick during the seed wrote one inside its first span, not yet committed when the
        // seed's own checkpoint took its earliest time from the whole span, so the backfill (which sees both) gave a later
        // one (seen once in CI, on PostgreSQL). An event and a checkpoint at the tail first leave none due for
        // CheckpointInterval (10 min) or CheckpointEvery (1,000) events.
        await fixture.DbAsync(db => AppendAsync(db, DateTimeOffset.UtcNow, key, "before the past range test", 1));
        await checkpoints.WriteIfDueAsync(Cancel);
        var sequences = new List<long>();
        var late = new List<long>();
        long first = 0;
        foreach (var span in spans.Append(uncovered))
        {
            await fixture.DbAsync(async db =>
            {
                foreach (var (at, isLate) in span)
                {
                    var e = await AppendAsync(db, at, key, $"past range test {sequences.Count}{(isLate ? " late" : string.Empty)}", sequences.Count);
                    sequences.Add(e);
                    if (isLate)
                    {
                        late.Add(e);
                    }
                }

                return 0;
            });
            if (!ReferenceEquals(span, uncovered))
            {
                // Null when the portal's checkpoint service wrote the same checkpoint a moment earlier: one is enough.
                _ = await checkpoints.WriteAsync(sequences[^1], verified: false, Cancel);
                var tail = sequences[^1];
                Assert.True(await fixture.DbAsync(db => db.AuditCheckpoints.AnyAsync(c => c.Sequence == tail, Cancel)), $"no checkpoint at #{tail}");
                first = first == 0 ? tail : first;
            }
        }

        Assert.Equal(FirstSpanLength, spans[0].Count);

        return new Trail(sequences, late, first);
    }

    private static async Task<long> AppendAsync(ImagePortalDbContext db, DateTimeOffset at, AuditChainKey key, string description, int i)
    {
        var previous = await db.AuditEvents.OrderByDescending(e => e.Sequence).Select(e => e.Hash).FirstOrDefaultAsync(Cancel) ?? AuditEvent.GenesisHash;
        var type = i % 3 == 0 ? AuditEventType.Query : AuditEventType.PatientRecord;
        var auditEvent = new AuditEvent(at, type, AuditAction.Read, AuditOutcome.Success, null, "tester", null, null, null, null, description, previous, key);
        db.AuditEvents.Add(auditEvent);
        await db.SaveChangesAsync(Cancel);
        return auditEvent.Sequence;
    }
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class AuditPastRangeTests(UseCaseFixture fixture) : AuditPastRangeTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class AuditPastRangeOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : AuditPastRangeTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
