using System.Data.Common;
using System.Diagnostics;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Runs one leased job and owns its lease: a <see cref="JobRun"/> does the retrieval (find the approved studies at the
/// source, retrieve them by C-GET or C-MOVE, check, spool, reconcile and C-STORE each into the requester's import
/// destination, record each success in the exactly-once ledger); this class renews the lease and writes progress while
/// it works, and ends every attempt, whatever happened in it: the request Completed, PartiallyCompleted or Failed, or
/// the job back in the queue with its error and a backoff. A lost lease stops the work; a cancel request cancels it.
/// </summary>
public sealed class RetrievalRunner(
    IDbContextFactory<ImagePortalDbContext> dbFactory,
    RetrievalQueue queue,
    IOptionsMonitor<RetrievalOptions> retrievalOptions,
    IOptionsMonitor<PortalDicomOptions> dicomOptions,
    IPortalDicomSettings portalIdentity,
    MoveRouter router,
    SpoolBudget spool,
    IServiceScopeFactory scopes,
    IRetrievalObserver observer,
    TimeProvider clock,
    ILoggerFactory loggers,
    DicomNetworkMetrics metrics,
    DicomWebNodes webNodes,
    DicomWebClients webClients)
{

    private readonly IDbContextFactory<ImagePortalDbContext> dbFactory = dbFactory;
    private readonly RetrievalQueue queue = queue;
    private readonly IOptionsMonitor<RetrievalOptions> retrievalOptions = retrievalOptions;
    private readonly IRetrievalObserver observer = observer;
    private readonly TimeProvider clock = clock;
    private readonly RetrievalServices _services = new(
        dbFactory, queue, retrievalOptions, dicomOptions, portalIdentity, router, spool, scopes, observer, clock, loggers, metrics,
        loggers.CreateLogger<RetrievalRunner>(), webNodes, webClients);
    private ILogger Logger => _services.Logger;

    public async Task RunAsync(RetrievalLease lease, CancellationToken stopping)
    {
        var options = retrievalOptions.CurrentValue;
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var state = new LeaseState();
        var run = new JobRun(_services, lease, options);
        var heartbeat = HeartbeatAsync(lease, run, state, options, work);
        try
        {
            var outcome = await run.ExecuteAsync(work.Token);
            await FinishAsync(run, outcome, CancellationToken.None);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            if (state.Lost)
            {
                Logger.LogWarning("Lost the lease of job {JobId}; another worker resumes it", lease.JobId);
            }
            else if (state.CancelRequested)
            {
                await FinishAsync(run, run.Cancelled(), CancellationToken.None);
            }
            else if (state.Stalled)
            {
                Logger.LogWarning("Job {JobId} made no progress for {Timeout}; the attempt ends", lease.JobId, options.StallTimeout);
                await RetryOrFailAsync(run, $"Nothing arrived from the source and nothing was stored in the destination for {DurationWords.Of(options.StallTimeout)}: the transfer stalled.", options);
            }
            else
            {
                await queue.ReleaseAsync(lease, CancellationToken.None);
            }
        }
        catch (Exception error) when (error is RetrievalTransientException or PacsUnavailableException)
        {
            await RetryOrFailAsync(run, error.Message, options);
        }
        catch (RetrievalPermanentException error)
        {
            await FinishAsync(run, run.Failed(error.Message), CancellationToken.None);
        }
        catch (Exception error) when (error is DbUpdateException or DbException)
        {
            // A DbException: a statement of the job's own (the ledger's insert) that the database refused.
            Logger.LogError(error, "Database failure in job {JobId}", lease.JobId);
            await RetryOrFailAsync(run, "The portal's database refused an update; the retrieval will be tried again.", options);
        }
        catch (Exception error)
        {
            // Whatever else happens inside a job (a source's answer nobody foresaw, a bug) ends this attempt like any other
            // failure: recorded with a readable error, the lease released, backoff, and Failed after MaxAttempts. A job
            // whose exception escaped would keep its lease until it expired and be taken again, forever, with no error.
            Logger.LogError(error, "Job {JobId} stopped on an unexpected error", lease.JobId);
            await RetryOrFailAsync(run, $"The retrieval stopped on an unexpected error ({error.GetType().Name}: {error.Message}).", options);
        }
        finally
        {
            await work.CancelAsync();
            await heartbeat;
            run.CleanSpool();
        }
    }

    private async Task RetryOrFailAsync(JobRun run, string error, RetrievalOptions options)
    {
        var attempts = await AttemptsAsync(run.Lease.JobId) + 1;
        if (attempts >= Math.Max(1, options.MaxAttempts))
        {
            var message = $"Gave up after {attempts} attempt(s): {error}";
            run.FailUndelivered();
            await FinishAsync(run, run.Imported > 0 ? run.Partial(message) : run.Failed(message), CancellationToken.None);
            return;
        }

        var delay = RetrievalJob.Backoff(attempts, options.InitialBackoff, options.MaxBackoff, Random.Shared.NextDouble());
        Logger.LogWarning("Job {JobId} attempt {Attempt} failed, next in {Delay}: {Error}", run.Lease.JobId, attempts, delay, error);
        await queue.RescheduleAsync(run.Lease, delay, $"Attempt {attempts} of {options.MaxAttempts} failed: {error}", CancellationToken.None);
        await run.PublishProgressAsync(CancellationToken.None);
    }

    private async Task<int> AttemptsAsync(Guid jobId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await JobReads.AttemptsAsync(db, jobId, CancellationToken.None) ?? 0;
    }

    /// <summary>
    /// Renews the lease and writes progress about once a second; cancels the work when the lease is lost, a cancel was
    /// asked for, or nothing moved for <see cref="RetrievalOptions.StallTimeout"/>. A database failure on one tick (a
    /// locked SQLite file, a server fail-over) is logged and tried again on the next: the watch over the stall goes on
    /// whatever the database does. Only when no renewal has succeeded for a whole lease is the lease taken for lost (it
    /// may have expired and been taken over), and the work stops.
    /// </summary>
    private async Task HeartbeatAsync(RetrievalLease lease, JobRun run, LeaseState state, RetrievalOptions options, CancellationTokenSource work)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.LeaseDuration.TotalMilliseconds / 3, 100, 1000));
        using var timer = new PeriodicTimer(period, clock);
        var activity = run.Activity;
        var movedAt = clock.GetUtcNow();
        var renewedAt = movedAt;
        var failures = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(work.Token))
            {
                if (run.Activity != activity || run.IsWaiting)
                {
                    activity = run.Activity;
                    movedAt = clock.GetUtcNow();
                }
                else if (options.StallTimeout > TimeSpan.Zero && clock.GetUtcNow() - movedAt >= options.StallTimeout)
                {
                    state.Stalled = true;
                    await work.CancelAsync();
                    return;
                }

                // The ledger is flushed and the progress taken first, so that the renewal writes it in the same statement.
                // A failure there (the ledger's insert refused) is logged; the lease is renewed all the same.
                RetrievalProgressSnapshot? progress = null;
                try
                {
                    progress = await run.ProgressToWriteAsync(work.Token);
                }
                catch (Exception error) when (error is not OperationCanceledException || !work.IsCancellationRequested)
                {
                    // The progress shown is a second older; the next tick writes it again.
                    Logger.LogDebug(error, "Could not write the progress of job {JobId}", lease.JobId);
                }

                RenewResult renewed;
                try
                {
                    renewed = await queue.RenewAsync(lease, options.LeaseDuration, work.Token, progress);
                }
                catch (Exception error) when (error is not OperationCanceledException || !work.IsCancellationRequested)
                {
                    if (failures++ == 0)
                    {
                        Logger.LogWarning(error, "Could not renew the lease of job {JobId}; trying again", lease.JobId);
                    }

                    if (clock.GetUtcNow() - renewedAt >= options.LeaseDuration)
                    {
                        Logger.LogWarning("Job {JobId}: no renewal of its lease succeeded for {Duration}; it is taken for lost", lease.JobId, options.LeaseDuration);
                        state.Lost = true;
                        await work.CancelAsync();
                        return;
                    }

                    continue;
                }

                if (failures > 0)
                {
                    Logger.LogInformation("Job {JobId}: its lease is renewed again after {Failures} failed attempt(s)", lease.JobId, failures);
                    failures = 0;
                }

                renewedAt = clock.GetUtcNow();
                if (renewed == RenewResult.Lost)
                {
                    state.Lost = true;
                    await work.CancelAsync();
                    return;
                }

                if (renewed == RenewResult.CancelRequested && run.CanBeCancelled)
                {
                    state.CancelRequested = true;
                    await work.CancelAsync();
                    return;
                }

                if (progress is not null && renewed == RenewResult.Held)
                {
                    try
                    {
                        await run.ProgressWrittenAsync(progress, work.Token);
                    }
                    catch (Exception error) when (error is not OperationCanceledException || !work.IsCancellationRequested)
                    {
                        Logger.LogDebug(error, "Could not tell the pages of the progress of job {JobId}", lease.JobId);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            // Nothing else is foreseen here; whatever it is must never fault the job's own ending, which awaits this.
            Logger.LogWarning(error, "The heartbeat of job {JobId} stopped", lease.JobId);
        }
    }

    private async Task FinishAsync(JobRun run, JobOutcome outcome, CancellationToken cancellationToken)
    {
        await run.ReportProgressAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = JobReads.Found(await JobReads.RequestForUpdateAsync(db, run.RequestId, cancellationToken), "request", run.RequestId);

        // How the job's end ends the request is the request's own rule. One that had ended already is left as it was;
        // the open pages are then told of a failure, so that they read it again all the same.
        var kind = request.EndRetrieval(outcome.State, outcome.Imported, outcome.Failed, outcome.Detail, clock.GetUtcNow()) ?? RequestEventKind.Failed;

        // The job's end, the request's end and their audit events commit together, and only while this worker still
        // holds the lease. (Audited after the commit, a worker killed in between lost the events: MultiNodeTests.)
        await using var scope = scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        run.StageTransferred(db, audit);
        var strategy = db.Database.CreateExecutionStrategy();
        var held = await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await queue.FinishAsync(db, run.Lease, outcome.State, outcome.State == RetrievalJobState.Succeeded ? null : outcome.Detail, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }

            // Not accepted until committed: a retried transaction saves the same changes again.
            await db.SaveChangesAsync(acceptAllChangesOnSuccess: false, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        if (!held)
        {
            Logger.LogWarning("Job {JobId} ended but its lease was lost meanwhile; the request is left to the new owner", run.Lease.JobId);
            return;
        }

        db.ChangeTracker.AcceptAllChanges();

        // The job has ended for good; what follows only tells of it. A failure there (a database refusing the audit
        // event or the notification) is logged: taken for a failure of the job, it was "retried" (a no-op on an ended
        // job) with a misleading warning, and the steps after it never ran (RetrievalAfterEndErrorTests).
        await AfterEndAsync(run, "seal the transfer's audit events", () => audit.SealStagedAsync(cancellationToken));
        await AfterEndAsync(run, "tell the open pages", () => observer.RequestChangedAsync(request, kind, cancellationToken));
        await AfterEndAsync(run, "notify the requester", () => observer.NotifyRequesterAsync(request, outcome.Notification(request), cancellationToken));
        run.Ended("finish");
        Logger.LogInformation("Job {JobId} of {Number} ended {State} ({Timings}): {Detail}", run.Lease.JobId, request.Number, outcome.State, run.Timings, outcome.Detail);
    }

    private async Task AfterEndAsync(JobRun run, string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            Logger.LogError(error, "Job {JobId} ended, but could not {What}", run.Lease.JobId, what);
        }
    }

    /// <summary>
    /// Runs, once, the database work a job does, for a job that does not exist: the reads find nothing, the lease
    /// updates match no row, and the entities it tracks (a made-up request and what a job adds) are never saved. EF Core
    /// then has the job's queries compiled and its entity types set up before the first real job, which otherwise pays
    /// for that (about half a second beside the two busy PACS it talks to) at its start and its end. Called by
    /// <see cref="RetrievalWorker"/> once, before its loops first look for a job.
    /// </summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var nothing = Guid.Empty;
        var lease = new RetrievalLease(nothing, "warm-up");
        var at = clock.GetUtcNow();
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            await JobReads.JobAsync(db, nothing, cancellationToken);
            await JobReads.RequestAsync(db, nothing, cancellationToken);
            await JobReads.FacilityAsync(db, nothing, cancellationToken);
            await JobReads.RequestForUpdateAsync(db, nothing, cancellationToken);
            await JobReads.AnyImportedAsync(db, nothing, ["warm-up"], cancellationToken);
            await JobReads.ImportedAsync(db, nothing, ["warm-up"], cancellationToken);
            await JobReads.AttemptsAsync(db, nothing, cancellationToken);
            await queue.FinishAsync(db, lease, RetrievalJobState.Succeeded, null, cancellationToken);

            // A request changed the way a run changes its own, and what a job adds: tracked, then let go, never saved.
            var request = ImageRequest.Submit(
                "REQ-0000-000000", nothing, Guid.AllBitsSet, new PatientDetails("Warm-up", null, null, PatientSex.Unknown, null, "warm-up"),
                new RequestScope([], null, null, null, null), "warm-up", RequestPriority.Routine, at.AddDays(1), "warm-up", at);
            request.Claim("warm-up", at);
            request.Approve("warm-up", [new RequestedStudy("1.2.3", null, "CT", null, null, 1, new SourcePatient("warm-up", null, null, null))], at);
            db.ImageRequests.Attach(request);
            request.StartRetrieval(at);
            request.CompleteRetrieval(1, 0, at, "warm-up");
            db.ImportedInstances.Add(new ImportedInstance(nothing, nothing, "warm-up", "warm-up", 0, at));
            db.FailedInstances.Add(new FailedInstance(nothing, "warm-up", "warm-up", "warm-up", at));
            db.AuditEvents.Add(new AuditEvent(at, AuditEventType.BeginTransferring, AuditAction.Execute, AuditOutcome.Success,
                null, "warm-up", null, null, null, null, "warm-up", AuditEvent.GenesisHash, AuditChainKey.Generate()));
            db.StagedAuditEvents.Add(new StagedAuditEvent(
                new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, AuditOutcome.Success, "warm-up"), null, "warm-up", null, null, at));
            db.UserNotifications.Add(new UserNotification("warm-up", "warm-up", "/", at));
            db.ChangeTracker.DetectChanges();
            db.ChangeTracker.Clear();
        }

        await queue.RenewAsync(lease, TimeSpan.FromSeconds(1), cancellationToken);
        await queue.RenewAsync(lease, TimeSpan.FromSeconds(1), cancellationToken, new RetrievalProgressSnapshot([]));
        await queue.ReportProgressAsync(lease, new RetrievalProgressSnapshot([]), cancellationToken);
    }

    private sealed class LeaseState
    {
        public volatile bool Lost;
        public volatile bool CancelRequested;
        public volatile bool Stalled;
    }
}
