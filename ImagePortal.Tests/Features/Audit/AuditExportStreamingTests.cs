using System.Text;
using ImagePortal.Domain.Audit;
using ImagePortal.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>The audit export at a size past its old cap (100,000 rows, the oldest), with a database of its own.</summary>
public sealed class AuditExportStreamingTests(SmallBatchExportFixture fixture) : IClassFixture<SmallBatchExportFixture>
{
    private const int OldCap = 100_000;

    private CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Export_StreamsEveryMatchingEvent_NewestFirst_PastTheOldCap_WritingBeforeItHasReadThemAll()
    {
        await RecordAsync(fixture, "OBJ-OTHER", 2);
        var bulk = OldCap + 50;
        await InsertEventsAsync("OBJ-BULK", bulk);
        await RecordAsync(fixture, "OBJ-OTHER", 2);
        var expected = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == "OBJ-BULK").OrderByDescending(e => e.Sequence)
            .Select(e => e.Sequence).ToListAsync(Cancel));
        var destination = new ProbeStream(() => fixture.ContextsOpened);

        SmallBatchExportFixture.StartCounting();
        var result = await fixture.CommandAsync(NetworkAuditor, new ExportAuditEvents(new AuditFilter(RequestNumber: "OBJ-BULK"), destination));

        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.Equal(new CsvExport(bulk, Truncated: false), result.Value);
        Assert.Equal(bulk, expected.Count);
        Assert.Equal(expected, destination.Sequences);

        // Each batch opens a context: the first row went out once the first batch had been read, with a hundred batches
        // still to read, rather than after all of them (a buffered export).
        var batches = (bulk + SmallBatchExportFixture.BatchSize - 1) / SmallBatchExportFixture.BatchSize;
        Assert.Equal(destination.ContextsWhenTheHeaderArrived + 1, destination.ContextsWhenTheFirstRowArrived);
        Assert.True(destination.ContextsAtTheEnd - destination.ContextsWhenTheHeaderArrived >= batches,
            $"{destination.ContextsAtTheEnd - destination.ContextsWhenTheHeaderArrived} contexts after the header for {batches} batches");
        var audited = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.Type == AuditEventType.Export).OrderByDescending(e => e.Sequence)
            .Select(e => e.Description).FirstAsync(Cancel));
        Assert.StartsWith($"Audit trail exported as CSV: {bulk} events, newest first", audited);
    }

    /// <summary>
    /// Copies of the last event, written with SQL (through the trail, 100,000 events would take minutes). Their seals do
    /// not hold, which the export does not look at; this fixture's trail is not verified.
    /// </summary>
    private Task InsertEventsAsync(string objectReference, int count) => fixture.DbAsync(db => db.Database.ExecuteSqlAsync($"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})
        INSERT INTO AuditEvents (Id, At, Type, Action, Outcome, UserId, UserName, FacilityId, Address, PatientId, ObjectReference, Description, PreviousHash, Hash, KeyId)
        SELECT printf('%08x-0000-4000-8000-000000000000', i), e.At, e.Type, e.Action, e.Outcome, e.UserId, e.UserName, e.FacilityId, e.Address,
               e.PatientId, {objectReference}, 'bulk event ' || i, printf('b%063x', i), printf('a%063x', i), e.KeyId
        FROM n, (SELECT * FROM AuditEvents ORDER BY Sequence DESC LIMIT 1) AS e
        ORDER BY i
        """, Cancel));

    /// <summary>A response body that keeps only each row's sequence number, and notes how many contexts were open when rows arrived.</summary>
    private sealed class ProbeStream(Func<int> contexts) : Stream
    {
        private readonly StringBuilder _partial = new();
        private bool _header = true;

        public List<long> Sequences { get; } = [];

        public int? ContextsWhenTheHeaderArrived { get; private set; }

        public int? ContextsWhenTheFirstRowArrived { get; private set; }

        public int ContextsAtTheEnd => contexts();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            _partial.Append(Encoding.UTF8.GetString(buffer, offset, count));
            var text = _partial.ToString();
            var end = text.LastIndexOf("\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                return;
            }

            foreach (var line in text[..end].Split("\r\n"))
            {
                if (_header)
                {
                    _header = false;
                    ContextsWhenTheHeaderArrived = contexts();
                    continue;
                }

                ContextsWhenTheFirstRowArrived ??= contexts();
                Sequences.Add(long.Parse(line[..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
            }

            _partial.Clear().Append(text[(end + 2)..]);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
