using ImagePortal.Infrastructure.Audit;
using ImagePortal.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static ImagePortal.Tests.Features.Audit.AuditorSupport;

namespace ImagePortal.Tests.Features.Audit;

/// <summary>A cancelled verification keeps what it walked; a database of its own, since it moves the verified checkpoint.</summary>
public sealed class AuditVerificationTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACancelledFullCheck_StopsWithWhatItWalked_AndTheNextCheckContinuesFromThere()
    {
        await RecordAsync(fixture, "OBJ-VERIFY", 30);
        var total = await fixture.DbAsync(db => db.AuditEvents.LongCountAsync(Cancel));
        await using var scope = fixture.Services.CreateAsyncScope();
        var verifier = ActivatorUtilities.CreateInstance<AuditVerifier>(scope.ServiceProvider);
        verifier.ProgressEvery = 5;
        using var stop = new CancellationTokenSource();

        var cancelled = await verifier.VerifyAsync(AuditVerificationScope.Full, new CancelOnFirstReport(stop), stop.Token);
        var next = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(cancellationToken: Cancel);

        Assert.True(cancelled is { Cancelled: true, IsIntact: true, EventsChecked: 5, CheckedFrom: null }, cancelled.ToString());
        Assert.True(next is { Cancelled: false, IsIntact: true, CheckedFrom: not null }, next.ToString());
        Assert.True(next.EventsChecked >= total - 5, $"{next.EventsChecked} of {total}");
        Assert.Equal(5, await fixture.DbAsync(db => db.AuditEvents.CountAsync(e => e.Sequence <= next.CheckedFrom, Cancel)));
    }

    /// <summary>Cancels on the first report, synchronously (<see cref="Progress{T}"/> would report later, on the thread pool).</summary>
    private sealed class CancelOnFirstReport(CancellationTokenSource source) : IProgress<long>
    {
        public void Report(long value) => source.Cancel();
    }
}

public sealed class AuditVerificationServiceTests(ScheduledVerificationFixture fixture) : IClassFixture<ScheduledVerificationFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheScheduledCheck_KeepsTheVerifiedCheckpointNearTheTail_SoTheAuditorsCheckWalksOnlyWhatIsNew()
    {
        await RecordAsync(fixture, "OBJ-SCHEDULED", 20);
        var tail = await fixture.DbAsync(db => db.AuditEvents.MaxAsync(e => e.Sequence, Cancel));

        await Poll.UntilAsync(
            () => fixture.DbAsync(db => db.AuditCheckpoints.AnyAsync(c => c.VerifiedAt != null && c.Sequence >= tail, Cancel)),
            TimeSpan.FromSeconds(30));
        var quick = await fixture.QueryAsync(NetworkAuditor, new ImagePortal.Web.Features.Audit.VerifyAuditTrail());

        Assert.True(quick.Value is { IsIntact: true, CheckedFrom: >= 0 }, quick.Value?.ToString());
        Assert.True(quick.Value!.EventsChecked < 20, $"{quick.Value.EventsChecked} events walked");
    }
}
