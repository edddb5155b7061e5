using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Features.Administration;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ImagePortal.Tests.Features.Retrieval;

/// <summary>
/// The quarantine's retention on real files in the portal's quarantine folder: held instances older than the retention
/// are purged, then the oldest while the held ones total more than the limit; each purge keeps its row and is audited.
/// </summary>
public abstract class QuarantinePurgeTestsBase(UseCaseFixture fixture)
{
    // Whole seconds: PostgreSQL keeps microseconds, not .NET's 100 ns ticks, so a time read back equals it on every provider.
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstancesHeldLongerThanTheRetention_ArePurged_TheirRowsKept_AndEachIsAudited()
    {
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "NVH-P1");
        var old = await QuarantinedInstances.HoldAsync(fixture, request, receivedAt: Now.AddDays(-40));
        var justOld = await QuarantinedInstances.HoldAsync(fixture, request, receivedAt: Now.AddDays(-30).AddMinutes(-1));
        var recent = await QuarantinedInstances.HoldAsync(fixture, request, receivedAt: Now.AddDays(-1));

        var purged = await Purge(new RetrievalOptions()).PurgeAsync(Ct);

        Assert.Equal(2, purged);
        foreach (var gone in new[] { old, justOld })
        {
            var row = await QuarantinedInstances.RowAsync(fixture, gone.Id);
            Assert.Equal(QuarantineState.Purged, row.State);
            Assert.Equal(Now, row.ResolvedAt);
            Assert.Null(row.ResolvedBy);
            Assert.Contains("held longer than the quarantine retention (30 days)", row.Resolution);
            Assert.False(File.Exists(gone.Path));
            var audit = Assert.Single(await fixture.AuditAsync(AuditEventType.PatientRecord, $"quarantined instance {gone.SopInstanceUid}"));
            Assert.Equal(AuditAction.Delete, audit.Action);
            Assert.Equal(request.Number, audit.ObjectReference);
            Assert.Equal(gone.PatientId, audit.PatientId);
            Assert.Equal("quarantine retention", audit.UserName);
        }

        Assert.Equal(QuarantineState.Held, (await QuarantinedInstances.RowAsync(fixture, recent.Id)).State);
        Assert.True(File.Exists(recent.Path));
        Assert.Equal(0, await Purge(new RetrievalOptions()).PurgeAsync(Ct));
    }

    [Fact]
    public async Task OverTheSizeLimit_TheOldestHeldInstancesArePurged_UntilTheRestFit()
    {
        // Older than anything another test leaves held, so they are the oldest; the limit leaves room for two of them.
        var heldBefore = await HeldBytesAsync();
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "NVH-P2");
        var instances = new List<HeldInstance>();
        for (var age = 28; age >= 25; age--)
        {
            instances.Add(await QuarantinedInstances.HoldAsync(fixture, request, receivedAt: Now.AddDays(-age)));
        }

        var limit = heldBefore + instances[2].Bytes + instances[3].Bytes;

        var purged = await Purge(new RetrievalOptions { QuarantineLimitBytes = limit }).PurgeAsync(Ct);

        Assert.Equal(2, purged);
        foreach (var gone in instances[..2])
        {
            var row = await QuarantinedInstances.RowAsync(fixture, gone.Id);
            Assert.Equal(QuarantineState.Purged, row.State);
            Assert.Contains($"more than its limit of {limit} bytes", row.Resolution);
            Assert.False(File.Exists(gone.Path));
            Assert.Single(await fixture.AuditAsync(AuditEventType.PatientRecord, $"quarantined instance {gone.SopInstanceUid}"));
        }

        foreach (var kept in instances[2..])
        {
            Assert.Equal(QuarantineState.Held, (await QuarantinedInstances.RowAsync(fixture, kept.Id)).State);
            Assert.True(File.Exists(kept.Path));
        }

        Assert.Equal(limit, await HeldBytesAsync());
    }

    [Fact]
    public async Task AnInstanceAnAdministratorAlreadyDeleted_IsNotPurgedAgain()
    {
        var request = await QuarantinedInstances.ApprovedRequestAsync(fixture, "NVH-P3");
        var deleted = await QuarantinedInstances.HoldAsync(fixture, request, receivedAt: Now.AddDays(-60));
        await fixture.DbAsync(async db =>
        {
            var row = await db.QuarantinedInstances.SingleAsync(q => q.Id == deleted.Id, Ct);
            row.Delete("admin.nvh", "Another patient's image", Now.AddDays(-59));
            return await db.SaveChangesAsync(Ct);
        });

        await Purge(new RetrievalOptions()).PurgeAsync(Ct);

        var after = await QuarantinedInstances.RowAsync(fixture, deleted.Id);
        Assert.Equal(QuarantineState.Deleted, after.State);
        Assert.Equal("admin.nvh", after.ResolvedBy);
        Assert.Empty(await fixture.AuditAsync(AuditEventType.PatientRecord, $"quarantined instance {deleted.SopInstanceUid}"));
    }

    [Fact]
    public void AWebOnlyNode_RunsNoRetention()
    {
        Assert.DoesNotContain(fixture.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => s is QuarantinePurgeService);
    }

    private QuarantinePurge Purge(RetrievalOptions options) =>
        ActivatorUtilities.CreateInstance<QuarantinePurge>(fixture.Services, new FixedOptionsMonitor<RetrievalOptions>(options), (TimeProvider)new FakeTimeProvider(Now));

    private Task<long> HeldBytesAsync() =>
        fixture.DbAsync(db => db.QuarantinedInstances.Where(q => q.State == QuarantineState.Held).SumAsync(q => q.Bytes, Ct));
}

/// <summary>On SQLite, the embedded default.</summary>
public sealed class QuarantinePurgeTests(UseCaseFixture fixture) : QuarantinePurgeTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>On a fresh database of a real PostgreSQL server, as a server installation runs.</summary>
public sealed class QuarantinePurgeOnPostgreSqlTests(PostgreSqlUseCaseFixture fixture) : QuarantinePurgeTestsBase(fixture), IClassFixture<PostgreSqlUseCaseFixture>;
