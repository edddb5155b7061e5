using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImagePortal.Domain.Audit;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>
/// An insider with full access to the database (but not to the chain key, kept outside it) tries to rewrite or shorten
/// the audit trail. Each test tampers, so each has a portal and a database of its own.
/// </summary>
public sealed class AuditChainTamperingTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnInsiderWhoEditsAnEvent_AndRecomputesEveryHashAfterIt_IsCaughtWithoutTheKey()
    {
        await using var lab = await ChainLab.StartAsync(events: 30);
        var victim = lab.Sequences[10];

        // What defeated the unkeyed chain: change a field, then recompute SHA-256 hashes from there to the end.
        await lab.RewriteAsync(from: victim, edit: e => e.Description = "nothing happened here", keepKeyId: true);

        var verification = await lab.VerifyAsync(AuditVerificationScope.Full);
        Assert.False(verification.IsIntact);
        Assert.Equal(victim, verification.BrokenAt);
        Assert.Contains("changed after it was written", verification.Problem);
    }

    [Fact]
    public async Task AnInsiderWhoPassesTheRewrittenEventsOffAsUnkeyed_IsCaughtByTheCheckpoint()
    {
        await using var lab = await ChainLab.StartAsync(events: 30);
        var checkpoint = await lab.Checkpoints.WriteIfDueAsync(Cancel);
        Assert.NotNull(checkpoint);

        // Events from before the chain was keyed carry plain SHA-256 and are accepted at the start of the trail, so the
        // insider rewrites every event as such an "old" one: a chain that links, but no longer the one the checkpoint saw.
        await lab.RewriteAsync(from: lab.Sequences[0], edit: e => e.Description = e.Sequence == lab.Sequences[5] ? "edited" : e.Description, keepKeyId: false);

        var verification = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.False(verification.IsIntact);
        Assert.Equal(checkpoint.Sequence, verification.BrokenAt);
        Assert.Contains("no longer has the hash its checkpoint", verification.Problem);
    }

    [Fact]
    public async Task AnUnkeyedEventAfterKeyedOnes_IsCaught()
    {
        await using var lab = await ChainLab.StartAsync(events: 10);
        var victim = lab.Sequences[6];

        await lab.RewriteAsync(from: victim, edit: _ => { }, keepKeyId: false, only: true);

        var verification = await lab.VerifyAsync(AuditVerificationScope.Full);
        Assert.Equal(victim, verification.BrokenAt);
        Assert.Contains("carries no key although events before it do", verification.Problem);
    }

    [Fact]
    public async Task ACheckpointsEarliestEventTime_SetLaterThanAnEventItCovers_IsCaught()
    {
        await using var lab = await ChainLab.StartAsync(events: 10);
        var checkpoint = await lab.Checkpoints.WriteAsync(lab.Sequences[^1], verified: false, Cancel);
        Assert.NotNull(checkpoint?.EarliestEventAt);
        Assert.True((await lab.VerifyAsync(AuditVerificationScope.Full)).IsIntact);

        // A second later: a date range ending within that second would no longer find the earliest of these events.
        await lab.SqlAsync($"UPDATE AuditCheckpoints SET EarliestEventAt = EarliestEventAt + 10000000 WHERE Sequence = {checkpoint!.Sequence}");

        var verification = await lab.VerifyAsync(AuditVerificationScope.Full);
        Assert.False(verification.IsIntact);
        Assert.InRange(verification.BrokenAt ?? 0, 1, checkpoint.Sequence);
        Assert.Contains("records an earliest event time later than this event's", verification.Problem);
    }

    [Fact]
    public async Task RemovingTheEndOfTheTrail_PastACheckpoint_IsCaught()
    {
        await using var lab = await ChainLab.StartAsync(events: 20);
        var checkpoint = await lab.Checkpoints.WriteIfDueAsync(Cancel);
        Assert.Equal(lab.Sequences[^1], checkpoint?.Sequence);

        await lab.SqlAsync($"DELETE FROM AuditEvents WHERE Sequence >= {lab.Sequences[^3]}");

        var verification = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.Equal(checkpoint!.Sequence, verification.BrokenAt);
        Assert.Contains("is missing: events were removed", verification.Problem);
    }

    [Fact]
    public async Task RemovingEventsTheCollectorAlreadyReceived_IsCaught()
    {
        await using var lab = await ChainLab.StartAsync(events: 20);
        var tail = lab.Sequences[^1];
        await lab.SqlAsync($"INSERT INTO AuditExports (Name, LastSequence) VALUES ('syslog', {tail})");

        // No checkpoint covers the last events yet; the export cursor does.
        await lab.SqlAsync($"DELETE FROM AuditEvents WHERE Sequence > {lab.Sequences[^4]}");

        var verification = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.False(verification.IsIntact);
        Assert.Contains($"received events up to sequence {tail}", verification.Problem);
    }

    [Fact]
    public async Task AForgedCheckpoint_IsCaught()
    {
        await using var lab = await ChainLab.StartAsync(events: 5);
        var checkpoint = await lab.Checkpoints.WriteIfDueAsync(Cancel);

        await lab.SqlAsync($"UPDATE AuditCheckpoints SET Sequence = {checkpoint!.Sequence - 1}, Hash = (SELECT Hash FROM AuditEvents WHERE Sequence = {checkpoint.Sequence - 1})");

        var verification = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.Equal(checkpoint.Sequence - 1, verification.BrokenAt);
        Assert.Contains("does not carry a valid seal", verification.Problem);
    }

    [Fact]
    public async Task AQuickCheck_WalksOnlyTheEventsSinceTheLastVerifiedCheckpoint_AFullCheckWalksThemAll()
    {
        await using var lab = await ChainLab.StartAsync(events: 40);
        var total = await lab.DbAsync(db => db.AuditEvents.LongCountAsync(Cancel));

        var first = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.True(first.IsIntact, first.Problem);
        Assert.Null(first.CheckedFrom);
        Assert.Equal(total, first.EventsChecked);

        await lab.RecordAsync(3);
        var second = await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint);
        Assert.True(second.IsIntact, second.Problem);
        Assert.Equal(lab.Sequences[39], second.CheckedFrom);
        Assert.Equal(3, second.EventsChecked);

        // The price of speed, said plainly: an edit inside the verified part (no hash recomputed, no checkpoint event
        // touched) waits for the full check, which an auditor runs on a schedule.
        await lab.SqlAsync($"DROP TRIGGER AuditEvents_NoUpdate; UPDATE AuditEvents SET Description = 'edited' WHERE Sequence = {lab.Sequences[3]}");
        Assert.True((await lab.VerifyAsync(AuditVerificationScope.SinceLastCheckpoint)).IsIntact);
        var full = await lab.VerifyAsync(AuditVerificationScope.Full);
        Assert.Equal(lab.Sequences[3], full.BrokenAt);
    }

    [Fact]
    public async Task AfterAKeyRotation_OlderEventsVerifyWithThePreviousKey_AndNotWithoutIt()
    {
        await using var lab = await ChainLab.StartAsync(events: 5);
        var oldKey = lab.Services.GetRequiredService<AuditKeyRing>().Current;
        var newKey = AuditChainKey.Generate();

        var withPrevious = new AuditVerifier(lab.DbFactory, new AuditKeyRing(newKey, [oldKey]), lab.Checkpoints, TimeProvider.System);
        var without = new AuditVerifier(lab.DbFactory, new AuditKeyRing(newKey, []), lab.Checkpoints, TimeProvider.System);

        Assert.True((await withPrevious.VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel)).IsIntact);
        var refused = await without.VerifyAsync(AuditVerificationScope.Full, cancellationToken: Cancel);
        Assert.False(refused.IsIntact);
        Assert.Contains($"sealed under key {oldKey.Id}", refused.Problem);
        Assert.Contains("Audit:PreviousChainKeys", refused.Problem);
    }

    /// <summary>A fresh portal whose trail holds a known run of events, and the insider's tools.</summary>
    private sealed class ChainLab : IAsyncDisposable
    {
        private readonly PortalApp _app;

        private ChainLab(PortalApp app) => _app = app;

        public List<long> Sequences { get; } = [];

        public IServiceProvider Services => _app.Services;

        public IDbContextFactory<ImagePortalDbContext> DbFactory => Services.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>();

        public AuditCheckpoints Checkpoints => Services.GetRequiredService<AuditCheckpoints>();

        public static async Task<ChainLab> StartAsync(int events)
        {
            var app = new PortalApp(startServer: false);
            await app.InitializeAsync();
            var lab = new ChainLab(app);
            await lab.RecordAsync(events);
            return lab;
        }

        public async Task RecordAsync(int count)
        {
            await using var scope = Services.CreateAsyncScope();
            var trail = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            for (var i = 0; i < count; i++)
            {
                var description = $"lab event {Guid.NewGuid():N}";
                await trail.RecordAsync(new AuditEntry(AuditEventType.Query, AuditAction.Read, AuditOutcome.Success, description), "u1", "auditor", null, "127.0.0.1", Cancel);
                Sequences.Add(await DbAsync(db => db.AuditEvents.Where(e => e.Description == description).Select(e => e.Sequence).SingleAsync(Cancel)));
            }
        }

        public async Task<AuditVerification> VerifyAsync(AuditVerificationScope scope)
        {
            await using var services = Services.CreateAsyncScope();
            return await services.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(scope, cancellationToken: Cancel);
        }

        public async Task<T> DbAsync<T>(Func<ImagePortalDbContext, Task<T>> work)
        {
            await using var db = await DbFactory.CreateDbContextAsync(Cancel);
            return await work(db);
        }

        public Task<int> SqlAsync(string sql) => DbAsync(db => db.Database.ExecuteSqlRawAsync(
            sql.StartsWith("DROP", StringComparison.Ordinal) ? sql : $"DROP TRIGGER IF EXISTS AuditEvents_NoUpdate; DROP TRIGGER IF EXISTS AuditEvents_NoDelete; {sql}", Cancel));

        /// <summary>
        /// Rewrites events from <paramref name="from"/> (or only that one) with plain SHA-256 hashes, re-linking each to
        /// the new hash of the one before: all an insider without the key can do.
        /// </summary>
        public async Task RewriteAsync(long from, Action<Rewritten> edit, bool keepKeyId, bool only = false)
        {
            var events = await DbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Sequence >= from).OrderBy(e => e.Sequence).ToListAsync(Cancel));
            string? previous = null;
            var statements = new StringBuilder("DROP TRIGGER IF EXISTS AuditEvents_NoUpdate; ");
            foreach (var original in only ? events.Take(1) : events)
            {
                var e = new Rewritten(original) { PreviousHash = previous ?? original.PreviousHash, KeyId = keepKeyId ? original.KeyId : null };
                edit(e);
                var canonical = string.Join('\u001f',
                    e.PreviousHash, original.Id.ToString("N"), original.At.UtcTicks.ToString(CultureInfo.InvariantCulture), original.Type,
                    original.Action, (int)original.Outcome, original.UserId, original.UserName, original.FacilityId?.ToString("N"),
                    original.Address, original.PatientId, original.ObjectReference, e.Description);
                if (e.KeyId is not null)
                {
                    canonical += "\u001f" + e.KeyId;
                }

                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
                statements.Append(CultureInfo.InvariantCulture,
                    $"UPDATE AuditEvents SET Description = '{e.Description.Replace("'", "''", StringComparison.Ordinal)}', PreviousHash = '{e.PreviousHash}', Hash = '{hash}', KeyId = {(e.KeyId is null ? "NULL" : $"'{e.KeyId}'")} WHERE Sequence = {original.Sequence}; ");
                previous = hash;
            }

            await DbAsync(db => db.Database.ExecuteSqlRawAsync(statements.ToString(), Cancel));
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    private sealed class Rewritten(AuditEvent original)
    {
        public long Sequence { get; } = original.Sequence;

        public string Description { get; set; } = original.Description;

        public string PreviousHash { get; set; } = original.PreviousHash;

        public string? KeyId { get; set; }
    }
}
