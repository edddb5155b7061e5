using ImagePortal.Domain.Audit;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// A date-range page of the audit trail reads the events next to its key first and the time index only when the range
/// does not fill the page there, so a year of a million events is not read and sorted. Events' times do not follow
/// their sequence numbers exactly (nodes' clocks differ), so every page must still be exactly the one that ordering the
/// filtered trail by sequence gives.
/// </summary>
public abstract class AuditDateRangePageTestsBase(UseCaseFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public async Task EveryDateRangePage_IsThePageTheOrderedRangeGives_WhateverTheWindow(int window)
    {
        var (first, last) = await SeedAsync();
        var filters = new[]
        {
            new AuditFilter(From: new DateOnly(2025, 3, 2), To: new DateOnly(2025, 3, 3)),
            new AuditFilter(From: new DateOnly(2025, 3, 1)),
            new AuditFilter(To: new DateOnly(2025, 3, 1)),
            new AuditFilter(From: new DateOnly(2025, 3, 3), To: new DateOnly(2025, 3, 3), Type: AuditEventType.Query),
            new AuditFilter(From: new DateOnly(2024, 1, 1), To: new DateOnly(2024, 1, 31)),
        };
        var keys = new[] { first - 1, first, first + 5, first + 23, last - 2, last, last + 1, long.MaxValue };

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
                        if (newer && key == long.MaxValue)
                        {
                            continue;
                        }

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

        Assert.True(checkedPages > 50);
    }

    /// <summary>
    /// 60 events over three days of March 2025 whose times jump back and forth against their sequence (once per class),
    /// after whatever the portal wrote at its start (today's events, outside these ranges).
    /// </summary>
    private async Task<(long First, long Last)> SeedAsync() => await fixture.DbAsync(async db =>
    {
        var existing = await db.AuditEvents.Where(e => e.Description.StartsWith("date range test")).Select(e => e.Sequence).ToListAsync(Cancel);
        if (existing.Count > 0)
        {
            return (existing.Min(), existing.Max());
        }

        var key = AuditChainKey.Generate();
        var previous = await db.AuditEvents.OrderByDescending(e => e.Sequence).Select(e => e.Hash).FirstOrDefaultAsync(Cancel) ?? AuditEvent.GenesisHash;
        for (var i = 0; i < 60; i++)
        {
            var at = Start.AddHours(((i * 37) % 60) * 1.2);
            var type = i % 3 == 0 ? AuditEventType.Query : AuditEventType.PatientRecord;
            var auditEvent = new AuditEvent(at, type, AuditAction.Read, AuditOutcome.Success, null, "tester", null, null, null, null, $"date range test {i}", previous, key);
            db.AuditEvents.Add(auditEvent);
            await db.SaveChangesAsync(Cancel);
            previous = auditEvent.Hash;
        }

        var added = await db.AuditEvents.Where(e => e.Description.StartsWith("date range test")).Select(e => e.Sequence).ToListAsync(Cancel);
        return (added.Min(), added.Max());
    });
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class AuditDateRangePageTests(UseCaseFixture fixture) : AuditDateRangePageTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class AuditDateRangePageOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : AuditDateRangePageTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
