using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>A failure worth another attempt later (a PACS down, a transfer cut short); the message is for the user.</summary>
public sealed class RetrievalTransientException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A failure no retry can fix (no import destination, nothing approved is at the source); the message is for the user.</summary>
public sealed class RetrievalPermanentException(string message) : Exception(message);

/// <summary>
/// Runs one leased job (issue 6): C-FIND the approved studies' instances at the source, retrieve them (C-GET when the
/// source node offers it, else C-MOVE to the portal's Storage SCP), check, spool, reconcile and C-STORE each into the
/// requester's import destination over one association, record each success in the exactly-once ledger, and end the
/// request Completed, PartiallyCompleted or Failed. While it runs, the lease is renewed and progress written; a lost
/// lease stops the work, a cancel request cancels the transfer.
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
    ILoggerFactory loggers)
{
    /// <summary>Transfer syntaxes proposed for each storage SOP class, most wanted first (PS3.5 Table A-1 order otherwise).</summary>
    internal static readonly string[] StorageSyntaxes =
    [
        DicomNetworkUids.ExplicitVrLittleEndian,
        DicomNetworkUids.ImplicitVrLittleEndian,
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.4.91",
        "1.2.840.10008.1.2.4.80",
        "1.2.840.10008.1.2.4.81",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.5",
        DicomNetworkUids.DeflatedExplicitVrLittleEndian,
        DicomNetworkUids.ExplicitVrBigEndian,
    ];

    /// <summary>What the check and the reconciliation need: everything before Pixel Data.</summary>
    private static readonly DicomReaderOptions HeaderOnly = new() { StopAtTag = DicomTag.PixelData };

    /// <summary>
    /// How many SOP classes one association can offer every storage syntax for: PS3.8 9.3.2.2 allows 128 presentation
    /// contexts (odd IDs 1-255); one is the C-GET's own, one spare.
    /// </summary>
    internal static readonly int ClassesPerAssociation = 126 / StorageSyntaxes.Length;

    private static readonly string[] QuerySyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    /// <summary>Uncompressed syntaxes a data set can be rewritten between without touching pixel values.</summary>
    private static readonly HashSet<string> Rewritable =
        [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian, DicomNetworkUids.DeflatedExplicitVrLittleEndian];

    private readonly IDbContextFactory<ImagePortalDbContext> dbFactory = dbFactory;
    private readonly RetrievalQueue queue = queue;
    private readonly IOptionsMonitor<RetrievalOptions> retrievalOptions = retrievalOptions;
    private readonly IOptionsMonitor<PortalDicomOptions> dicomOptions = dicomOptions;
    private readonly IPortalDicomSettings portalIdentity = portalIdentity;
    private readonly MoveRouter router = router;
    private readonly SpoolBudget spool = spool;
    private readonly IServiceScopeFactory scopes = scopes;
    private readonly IRetrievalObserver observer = observer;
    private readonly TimeProvider clock = clock;
    private readonly ILoggerFactory loggers = loggers;
    private readonly ILogger _logger = loggers.CreateLogger<RetrievalRunner>();

    public async Task RunAsync(RetrievalLease lease, CancellationToken stopping)
    {
        var options = retrievalOptions.CurrentValue;
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var state = new LeaseState();
        var run = new JobRun(this, lease, options);
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
                _logger.LogWarning("Lost the lease of job {JobId}; another worker resumes it", lease.JobId);
            }
            else if (state.CancelRequested)
            {
                await FinishAsync(run, run.Cancelled(), CancellationToken.None);
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
        catch (DbUpdateException error)
        {
            _logger.LogError(error, "Database failure in job {JobId}", lease.JobId);
            await RetryOrFailAsync(run, "The portal's database refused an update; the retrieval will be tried again.", options);
        }
        catch (Exception error)
        {
            // Whatever else happens inside a job (a source's answer nobody foresaw, a bug) ends this attempt like any other
            // failure: recorded with a readable error, the lease released, backoff, and Failed after MaxAttempts. A job
            // whose exception escaped would keep its lease until it expired and be taken again, forever, with no error.
            _logger.LogError(error, "Job {JobId} stopped on an unexpected error", lease.JobId);
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
        _logger.LogWarning("Job {JobId} attempt {Attempt} failed, next in {Delay}: {Error}", run.Lease.JobId, attempts, delay, error);
        await queue.RescheduleAsync(run.Lease, delay, $"Attempt {attempts} of {options.MaxAttempts} failed: {error}", CancellationToken.None);
        await run.PublishProgressAsync(CancellationToken.None);
    }

    private async Task<int> AttemptsAsync(Guid jobId)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        return await Reads.AttemptsAsync(db, jobId, CancellationToken.None) ?? 0;
    }

    /// <summary>Renews the lease and writes progress about once a second; cancels the work when the lease is lost or a cancel was asked for.</summary>
    private async Task HeartbeatAsync(RetrievalLease lease, JobRun run, LeaseState state, RetrievalOptions options, CancellationTokenSource work)
    {
        var period = TimeSpan.FromMilliseconds(Math.Clamp(options.LeaseDuration.TotalMilliseconds / 3, 100, 1000));
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(work.Token))
            {
                var renewed = await queue.RenewAsync(lease, options.LeaseDuration, work.Token);
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

                await run.ReportProgressAsync(work.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            // A database hiccup (a locked SQLite file is a DbException, not a DbUpdateException) or anything else: the
            // heartbeat stops, the lease runs out if it lasts, and another worker resumes. It must never fault the job's
            // own ending, which awaits it.
            _logger.LogWarning(error, "Could not renew the lease of job {JobId}", lease.JobId);
        }
    }

    private async Task FinishAsync(JobRun run, JobOutcome outcome, CancellationToken cancellationToken)
    {
        await run.ReportProgressAsync(cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var request = Reads.Found(await Reads.RequestForUpdateAsync(db, run.RequestId, cancellationToken), "request", run.RequestId);
        var now = clock.GetUtcNow();
        if (request.Status is RequestStatus.Approved or RequestStatus.Failed)
        {
            request.StartRetrieval(now);
        }

        var kind = RequestEventKind.Failed;
        if (request.Status == RequestStatus.Retrieving)
        {
            if (outcome.State == RetrievalJobState.Failed && outcome.Imported == 0)
            {
                request.FailRetrieval(outcome.Detail, now);
            }
            else
            {
                request.CompleteRetrieval(outcome.Imported, outcome.Failed, now, outcome.Detail);
            }

            kind = request.Events[^1].Kind;
        }

        // The job's end and the request's end commit together, and only while this worker still holds the lease.
        var strategy = db.Database.CreateExecutionStrategy();
        var held = await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (!await queue.FinishAsync(db, run.Lease, outcome.State, outcome.State == RetrievalJobState.Succeeded ? null : outcome.Detail, cancellationToken))
            {
                await transaction.RollbackAsync(cancellationToken);
                return false;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return true;
        });
        if (!held)
        {
            _logger.LogWarning("Job {JobId} ended but its lease was lost meanwhile; the request is left to the new owner", run.Lease.JobId);
            return;
        }

        await run.AuditTransferredAsync(cancellationToken);
        await observer.RequestChangedAsync(request, kind, cancellationToken);
        await observer.NotifyRequesterAsync(request, outcome.Notification(request), cancellationToken);
        run.Ended("finish");
        _logger.LogInformation("Job {JobId} of {Number} ended {State} ({Timings}): {Detail}", run.Lease.JobId, request.Number, outcome.State, run.Timings, outcome.Detail);
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
            await Reads.JobAsync(db, nothing, cancellationToken);
            await Reads.RequestAsync(db, nothing, cancellationToken);
            await Reads.FacilityAsync(db, nothing, cancellationToken);
            await Reads.RequestForUpdateAsync(db, nothing, cancellationToken);
            await Reads.AnyImportedAsync(db, nothing, ["warm-up"], cancellationToken);
            await Reads.ImportedAsync(db, nothing, ["warm-up"], cancellationToken);
            await Reads.AttemptsAsync(db, nothing, cancellationToken);
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
                null, "warm-up", null, null, null, null, "warm-up", AuditEvent.GenesisHash));
            db.UserNotifications.Add(new UserNotification("warm-up", "warm-up", "/", at));
            db.ChangeTracker.DetectChanges();
            db.ChangeTracker.Clear();
        }

        await queue.RenewAsync(lease, TimeSpan.FromSeconds(1), cancellationToken);
        await queue.ReportProgressAsync(lease, new RetrievalProgressSnapshot([]), cancellationToken);
    }

    /// <summary>
    /// The reads of a job, each in one place: the job and <see cref="WarmUpAsync"/> must run the very same queries, as
    /// EF Core caches a compiled query by its shape and the names of its parameters.
    /// </summary>
    private static class Reads
    {
        public static Task<RetrievalJob?> JobAsync(ImagePortalDbContext db, Guid jobId, CancellationToken cancellationToken) =>
            db.RetrievalJobs.AsNoTracking().Include(j => j.Studies).SingleOrDefaultAsync(j => j.Id == jobId, cancellationToken);

        public static Task<ImageRequest?> RequestAsync(ImagePortalDbContext db, Guid requestId, CancellationToken cancellationToken) =>
            db.ImageRequests.AsNoTracking().Include(r => r.Studies).SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken);

        /// <summary>The request with its timeline, tracked: the run moves it to Retrieving and to its end.</summary>
        public static Task<ImageRequest?> RequestForUpdateAsync(ImagePortalDbContext db, Guid requestId, CancellationToken cancellationToken) =>
            db.ImageRequests.Include(r => r.Studies).Include(r => r.Events).SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken);

        public static Task<Facility?> FacilityAsync(ImagePortalDbContext db, Guid facilityId, CancellationToken cancellationToken) =>
            db.Facilities.AsNoTracking().Include(f => f.Nodes).SingleOrDefaultAsync(f => f.Id == facilityId, cancellationToken);

        public static Task<int?> AttemptsAsync(ImagePortalDbContext db, Guid jobId, CancellationToken cancellationToken) =>
            db.RetrievalJobs.Where(j => j.Id == jobId).Select(j => (int?)j.Attempts).SingleOrDefaultAsync(cancellationToken);

        /// <summary>Whether any instance of these studies is in the ledger for the destination.</summary>
        public static Task<bool> AnyImportedAsync(ImagePortalDbContext db, Guid destinationId, string[] studyUids, CancellationToken cancellationToken) =>
            db.ImportedInstances.AnyAsync(i => i.DestinationNodeId == destinationId && studyUids.Contains(i.StudyInstanceUid), cancellationToken);

        /// <summary>Which of these instances the ledger holds for the destination.</summary>
        public static Task<List<LedgerEntry>> ImportedAsync(ImagePortalDbContext db, Guid destinationId, string[] sopUids, CancellationToken cancellationToken) =>
            db.ImportedInstances.AsNoTracking()
                .Where(i => i.DestinationNodeId == destinationId && sopUids.Contains(i.SopInstanceUid))
                .Select(i => new LedgerEntry(i.SopInstanceUid, i.StudyInstanceUid, i.Bytes))
                .ToListAsync(cancellationToken);

        /// <summary>A row that must be there (a foreign key holds it); its absence is a bug, not a retrieval problem.</summary>
        public static T Found<T>(T? row, string what, Guid id) where T : class =>
            row ?? throw new InvalidOperationException($"The {what} {id} does not exist.");
    }

    private sealed record LedgerEntry(string SopInstanceUid, string StudyInstanceUid, long Bytes);

    private sealed class LeaseState
    {
        public volatile bool Lost;
        public volatile bool CancelRequested;
    }

    /// <summary>How a run ended, in counts and words.</summary>
    private sealed record JobOutcome(RetrievalJobState State, int Imported, int Failed, int Studies, string LocalMrn, string Detail)
    {
        public string Notification(ImageRequest request) => State switch
        {
            RetrievalJobState.Succeeded => $"Imported {Imported} images of {Studies} {(Studies == 1 ? "study" : "studies")}; local patient ID {LocalMrn}",
            RetrievalJobState.PartiallySucceeded => $"Imported {Imported} of {Imported + Failed} images of {Studies} {(Studies == 1 ? "study" : "studies")} for {request.Number}; {Failed} failed; local patient ID {LocalMrn}",
            RetrievalJobState.Cancelled => $"Retrieval of {request.Number} cancelled; {Imported} images imported; local patient ID {LocalMrn}",
            _ => $"Retrieval of {request.Number} failed: {Detail}",
        };
    }

    /// <summary>The instance a C-FIND at IMAGE level announced.</summary>
    private sealed record ExpectedInstance(string StudyUid, string SeriesUid, string SopInstanceUid, string SopClassUid);

    /// <summary>
    /// An instance received, checked and reconciled in the spool, waiting for its C-STORE: the reconciled data set up to
    /// Pixel Data in <see cref="HeaderPath"/>, then the received file from <see cref="RestOffset"/> on (Pixel Data and what
    /// follows), never parsed or rewritten. <see cref="SpooledBytes"/> is what both files hold, <see cref="Bytes"/> what is sent.
    /// </summary>
    private sealed record Spooled(
        string Path, string HeaderPath, long RestOffset, string StudyUid, string SopClassUid, string SopInstanceUid, string TransferSyntaxUid,
        long SpooledBytes, long Bytes)
    {
        public Stream OpenDataSet() => new SpooledDataSetStream(HeaderPath, Path, RestOffset);
    }

    private sealed class StudyTally(string studyUid)
    {
        public string StudyUid { get; } = studyUid;

        public int Expected;
        public int Done;
        public int Failed;
        public long Bytes;
        public DateTimeOffset? StartedAt;
        public DateTimeOffset? FinishedAt;

        public StudyProgressSnapshot Snapshot() => new(StudyUid, Expected, Done, Failed, Interlocked.Read(ref Bytes), StartedAt, FinishedAt);
    }

    /// <summary>The state of one run of one job.</summary>
    private sealed class JobRun(RetrievalRunner owner, RetrievalLease lease, RetrievalOptions options) : IDicomStoreProvider
    {
        private readonly Dictionary<string, StudyTally> _tallies = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, (string Study, string Reason)> _failures = new(StringComparer.Ordinal);
        private readonly HashSet<string> _failuresSaved = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _flush = new(1, 1);
        private string _lastRetrieveProblem = string.Empty;
        private List<ExpectedInstance> _expected = [];
        /// <summary>Per study being retrieved, the only patient whose instances may be imported (written before the transfer starts).</summary>
        private readonly Dictionary<string, SourcePatient> _approvedPatients = new(StringComparer.Ordinal);
        private int _missingStudies;
        private readonly List<ImportedInstance> _ledger = [];
        private readonly Lock _ledgerLock = new();
        private readonly List<Task> _discards = [];
        private Channel<Spooled>? _toStore;
        private ImageRequest _request = null!;
        private RetrievalJob _job = null!;
        private Facility _requester = null!;
        private Facility _source = null!;
        private DicomNode _destination = null!;
        private ReconcilePlan _plan = null!;
        private string _folder = string.Empty;
        private long _spooled;
        private volatile bool _spoolFull;
        private volatile bool _started;
        private int _quarantined;
        private readonly ConcurrentDictionary<string, string> _quarantinedUids = new(StringComparer.Ordinal);
        private int _convertedFromBigEndian;
        private readonly ConcurrentDictionary<string, int> _rewrittenFor = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, byte> _accessionsKept = new(StringComparer.Ordinal);
        private readonly long _began = Stopwatch.GetTimestamp();
        private readonly List<(string Phase, long At)> _phases = [];

        public RetrievalLease Lease { get; } = lease;

        /// <summary>Where the run's time went, for the log: "start 0.04 s, query 0.11 s, transfer 2.93 s, finish 0.05 s".</summary>
        public string Timings
        {
            get
            {
                var previous = _began;
                var parts = new List<string>();
                foreach (var (phase, at) in _phases)
                {
                    parts.Add($"{phase} {Stopwatch.GetElapsedTime(previous, at).TotalSeconds:0.00} s");
                    previous = at;
                }

                return string.Join(", ", parts);
            }
        }

        /// <summary>Notes that <paramref name="phase"/> has ended now.</summary>
        public void Ended(string phase) => _phases.Add((phase, Stopwatch.GetTimestamp()));

        public Guid RequestId => _job?.RequestId ?? Guid.Empty;

        public int Imported => _tallies.Values.Sum(t => Volatile.Read(ref t.Done));

        /// <summary>A cancel takes effect once the run knows its request (it always does after loading).</summary>
        public bool CanBeCancelled => _job is not null;

        public async Task<JobOutcome> ExecuteAsync(CancellationToken cancellationToken)
        {
            await LoadAsync(cancellationToken);
            if (_job.CancelRequested)
            {
                return Cancelled();
            }

            await StartAsync(cancellationToken);
            Ended("start");
            var sourceNode = _source.Nodes.Where(n => n.Supports(DicomCapabilities.Get) || n.Supports(DicomCapabilities.Move))
                .OrderByDescending(n => n.Supports(DicomCapabilities.Get)).FirstOrDefault()
                ?? throw new RetrievalPermanentException($"{_source.Code} has no DICOM node that offers C-GET or C-MOVE.");
            try
            {
                return await RetrieveFromAsync(sourceNode, cancellationToken);
            }
            catch (Exception error) when (error is not (RetrievalTransientException or RetrievalPermanentException) && PacsGateway.Readable(sourceNode, error) is { } readable)
            {
                // The source broke the protocol or the connection (the destination's failures are already in words).
                throw new RetrievalTransientException(readable.Message, error);
            }
        }

        private async Task<JobOutcome> RetrieveFromAsync(DicomNode sourceNode, CancellationToken cancellationToken)
        {
            await using var query = await OpenAsync(sourceNode, [new PresentationContextRequest(DicomNetworkUids.StudyRootFind, QuerySyntaxes)], cancellationToken);
            var studies = await FindStudiesAsync(sourceNode, query, cancellationToken);
            if (studies.Count == 0)
            {
                throw NothingToRetrieveAt(sourceNode);
            }

            List<ExpectedInstance> expected;
            var sopClassesNamed = studies.All(s => s.SopClasses.Length > 0);
            if (_job.Attempts == 0 && sopClassesNamed && studies.SelectMany(s => s.SopClasses).Distinct(StringComparer.Ordinal).Count() <= ClassesPerAssociation &&
                !await AnyImportedAsync(studies, cancellationToken))
            {
                // A first attempt: nothing of these studies is at the destination, and the source named their SOP classes,
                // so the whole studies are retrieved at once while the query association lists the instances to expect
                // (needed only at the end, to tell whether any is missing). A retry does the two one after the other: a
                // source that allows one association per calling AE then still gets served.
                Ended("query");
                expected = await TransferWhileListingAsync(sourceNode, query, studies, cancellationToken);
            }
            else
            {
                // A retried or resumed run, a source that does not say which SOP classes a study holds, or studies of more
                // SOP classes than one association can offer every transfer syntax for: the instances are listed first,
                // and only those not yet at the destination are retrieved, a group of SOP classes per association.
                expected = await FindInstancesAsync(sourceNode, query, studies, cancellationToken);
                await query.ReleaseAsync(cancellationToken);
                await LoadLedgerAsync(expected, cancellationToken);
                var remaining = expected.Where(e => !_done.ContainsKey(e.SopInstanceUid)).ToList();
                Ended("query");
                var groups = remaining.GroupBy(e => e.SopClassUid, StringComparer.Ordinal).Chunk(ClassesPerAssociation).ToList();
                foreach (var group in groups)
                {
                    var instances = group.SelectMany(g => g).ToList();
                    await TransferAsync(sourceNode, [.. Identifiers(instances, wholeStudies: groups.Count == 1)], [.. group.Select(g => g.Key)],
                        [.. instances.Select(r => r.StudyUid).Distinct(StringComparer.Ordinal)], cancellationToken);
                }
            }

            if (expected.Count == 0)
            {
                throw NoneLeftAt(sourceNode);
            }

            Ended("transfer");

            foreach (var tally in _tallies.Values)
            {
                tally.FinishedAt ??= owner.clock.GetUtcNow();
            }

            foreach (var instance in expected)
            {
                // The source listed it under the approved study, then sent something that had to be quarantined: a retry
                // would only quarantine it again, so it fails with the reason.
                if (!_done.ContainsKey(instance.SopInstanceUid) && _quarantinedUids.TryGetValue(instance.SopInstanceUid, out var why))
                {
                    Fail(instance.SopInstanceUid, instance.StudyUid, $"quarantined: {why}");
                }
            }

            _expected = expected;
            var missing = expected.Count(e => !_done.ContainsKey(e.SopInstanceUid) && !_failures.ContainsKey(e.SopInstanceUid));
            if (_spoolFull)
            {
                throw new RetrievalTransientException($"The spool is full ({owner.retrievalOptions.CurrentValue.SpoolLimitBytes} bytes); {missing} instance(s) wait for room.");
            }

            if (missing > 0)
            {
                throw new RetrievalTransientException($"{PacsGateway.Describe(sourceNode)} delivered {expected.Count - missing} of {expected.Count} instances{_lastRetrieveProblem}.");
            }

            return Outcome();
        }

        public JobOutcome Cancelled()
        {
            var imported = Imported;
            var expected = _tallies.Values.Sum(t => t.Expected);
            return new JobOutcome(RetrievalJobState.Cancelled, imported, Math.Max(1, expected - imported), _tallies.Count, _request?.Patient.LocalMrn ?? string.Empty,
                $"Cancelled after {imported} of {expected} instances were imported.");
        }

        public JobOutcome Failed(string error) =>
            new(RetrievalJobState.Failed, Imported, Math.Max(1, _tallies.Values.Sum(t => t.Expected) - Imported), _tallies.Count, _request?.Patient.LocalMrn ?? string.Empty, error);

        /// <summary>
        /// The last attempt is over: each instance the source listed but never delivered fails with what the source said,
        /// so that the request names every instance it lacks (not only "delivered 152 of 154").
        /// </summary>
        public void FailUndelivered()
        {
            var why = _lastRetrieveProblem.Length > 0 ? $"not delivered by the source{_lastRetrieveProblem}" : "not delivered by the source";
            foreach (var instance in _expected.Where(e => !_done.ContainsKey(e.SopInstanceUid)))
            {
                Fail(instance.SopInstanceUid, instance.StudyUid, why);
            }
        }

        public JobOutcome Partial(string error)
        {
            var expected = _tallies.Values.Sum(t => t.Expected);
            return new(RetrievalJobState.PartiallySucceeded, Imported, Math.Max(1, expected - Imported), _tallies.Count, _request.Patient.LocalMrn, error);
        }

        private JobOutcome Outcome()
        {
            var imported = Imported;
            var failed = _failures.Count;
            if (failed == 0)
            {
                return new JobOutcome(RetrievalJobState.Succeeded, imported, 0, _tallies.Count, _request.Patient.LocalMrn,
                    $"{imported} instance(s) of {_tallies.Count} study(ies) imported into {_destination.AeTitleValue} as patient {_request.Patient.LocalMrn}" +
                    (_quarantined > 0 ? $"; {_quarantined} unexpected instance(s) quarantined" : string.Empty) + Conversions);
            }

            var reasons = string.Join("; ", _failures.GroupBy(f => f.Value.Reason).Select(g => $"{g.Count()} × {g.Key} ({string.Join(", ", g.Take(3).Select(x => x.Key))}{(g.Count() > 3 ? ", ..." : "")})"));
            var detail = $"{imported} imported, {failed} failed: {reasons}{Conversions}";
            return new JobOutcome(imported == 0 ? RetrievalJobState.Failed : RetrievalJobState.PartiallySucceeded, imported, failed, _tallies.Count, _request.Patient.LocalMrn,
                detail.Length <= 1000 ? detail : detail[..997] + "...");
        }

        /// <summary>What the import changed in how instances are encoded (their values are the same), for the request's timeline.</summary>
        private string Conversions =>
            (_convertedFromBigEndian == 0 ? string.Empty
                : $"; {_convertedFromBigEndian} instance(s) in retired explicit VR big endian converted to explicit VR little endian (values unchanged)") +
            string.Concat(_rewrittenFor.Select(r =>
                $"; {r.Value} instance(s) rewritten in {DicomTransferSyntax.Lookup(r.Key).Name}, the only syntax {_destination.AeTitleValue} takes for them (values unchanged)")) +
            (_accessionsKept.IsEmpty ? string.Empty
                : $"; accession number(s) {string.Join(", ", _accessionsKept.Keys.Order(StringComparer.Ordinal).Select(a => $"'{a}'"))} kept as the source sent them: " +
                  $"with the prefix '{_plan.SourceCode}' they would exceed {InstanceReconciler.MaxAccessionLength} characters");

        private async Task LoadAsync(CancellationToken cancellationToken)
        {
            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            _job = Reads.Found(await Reads.JobAsync(db, Lease.JobId, cancellationToken), "retrieval job", Lease.JobId);
            _request = Reads.Found(await Reads.RequestAsync(db, _job.RequestId, cancellationToken), "request", _job.RequestId);
            _requester = Reads.Found(await Reads.FacilityAsync(db, _request.RequestingFacilityId, cancellationToken), "facility", _request.RequestingFacilityId);
            _source = Reads.Found(await Reads.FacilityAsync(db, _request.SourceFacilityId, cancellationToken), "facility", _request.SourceFacilityId);
            foreach (var study in _request.Studies)
            {
                _tallies[study.StudyInstanceUid] = new StudyTally(study.StudyInstanceUid) { Expected = study.ExpectedInstances ?? 0 };
            }

            _destination = _requester.ImportDestination
                ?? throw new RetrievalPermanentException($"{_requester.Code} has no import destination node; an administrator must choose one.");
            _plan = new ReconcilePlan(
                _request.Patient.LocalMrn, _requester.PatientIdIssuer, _source.PatientIdIssuer, _source.Code,
                _requester.AccessionPolicy, _requester.DemographicsPolicy, _request.Patient);
            _folder = Path.Combine(owner.spool.Directory, Lease.JobId.ToString("N"));
        }

        /// <summary>Moves the request to Retrieving (first run, or a retry after Failed) and audits "begin transferring" per study.</summary>
        private async Task StartAsync(CancellationToken cancellationToken)
        {
            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            var request = Reads.Found(await Reads.RequestForUpdateAsync(db, _job.RequestId, cancellationToken), "request", _job.RequestId);
            if (request.Status is RequestStatus.Approved or RequestStatus.Failed)
            {
                request.StartRetrieval(owner.clock.GetUtcNow());
                await db.SaveChangesAsync(cancellationToken);
                await owner.observer.RequestChangedAsync(request, RequestEventKind.RetrievalStarted, cancellationToken);
            }

            _started = true;
            _request = request;
            await using var scope = owner.scopes.CreateAsyncScope();
            var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            foreach (var study in request.Studies)
            {
                await audit.RecordAsync(
                    new AuditEntry(AuditEventType.BeginTransferring, AuditAction.Execute, AuditOutcome.Success,
                        $"Request {request.Number}: begin transferring study {study.StudyInstanceUid} from {_source.Code} to {_requester.Code}",
                        request.Patient.LocalMrn, request.Number),
                    null, WorkerName, null, null, cancellationToken);
            }
        }

        private string WorkerName => $"retrieval worker {Lease.Owner}";

        public async Task AuditTransferredAsync(CancellationToken cancellationToken)
        {
            if (!_started)
            {
                return;
            }

            await using var scope = owner.scopes.CreateAsyncScope();
            var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
            foreach (var tally in _tallies.Values)
            {
                var outcome = tally.Failed > 0 || tally.Done < tally.Expected ? AuditOutcome.MinorFailure : AuditOutcome.Success;
                await audit.RecordAsync(
                    new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, outcome,
                        $"Request {_request.Number}: study {tally.StudyUid} from {_source.Code} into {_destination.AeTitleValue}: {tally.Done} of {tally.Expected} instances imported, {tally.Failed} failed, {tally.Bytes} bytes",
                        _request.Patient.LocalMrn, _request.Number),
                    null, WorkerName, null, null, cancellationToken);
            }
        }

        private static RetrievalPermanentException NoneLeftAt(DicomNode node) =>
            new($"None of the approved studies is at {PacsGateway.Describe(node)} any more.");

        /// <summary>No approved study can be retrieved: all gone from the source, or (also) held there under another patient.</summary>
        private RetrievalPermanentException NothingToRetrieveAt(DicomNode node) =>
            _missingStudies == _tallies.Count
                ? NoneLeftAt(node)
                : new($"Nothing was imported: {string.Join("; ", _failures.Values.Select(f => f.Reason).Distinct(StringComparer.Ordinal))}.");

        /// <summary>An approved study as the source holds it: the SOP classes it says the study has (empty when it does not say).</summary>
        private sealed record FoundStudy(string StudyUid, string[] SopClasses);

        /// <summary>
        /// PS3.4 C.6.2: Study Root C-FIND at STUDY level for every approved study, by its UID alone, so that every
        /// patient the source holds it under answers: the study is retrieved only when that is exactly one patient, the
        /// one it was approved for (every received instance is then checked against that patient). The answer also
        /// gives the number of instances (progress until they are listed) and the SOP classes (the storage contexts to
        /// propose; optional return keys, PS3.4 C.6.2.1.2).
        /// </summary>
        private async Task<List<FoundStudy>> FindStudiesAsync(DicomNode node, DicomClientAssociation association, CancellationToken cancellationToken)
        {
            var found = new List<FoundStudy>();
            foreach (var tally in _tallies.Values)
            {
                var keys = Keys("STUDY", tally.StudyUid);
                keys.SetString(DicomTag.PatientID, string.Empty);
                keys.SetString(DicomTag.IssuerOfPatientID, string.Empty);
                keys.SetString(DicomTag.NumberOfStudyRelatedInstances, string.Empty);
                keys.SetString(DicomTag.SOPClassesInStudy, string.Empty);
                var answers = await FindAsync(node, association, keys, cancellationToken);
                if (answers.Count == 0)
                {
                    tally.Expected = 0;
                    _missingStudies++;
                    Fail(tally.StudyUid, tally.StudyUid, $"study {tally.StudyUid} is no longer at {PacsGateway.Describe(node)}");
                    continue;
                }

                if (HolderOf(node, tally.StudyUid, answers) is not { } holder)
                {
                    tally.Expected = 0;
                    continue;
                }

                _approvedPatients[tally.StudyUid] = holder;
                var answer = answers[0];
                if (PacsGateway.SafeInteger(answer, DicomTag.NumberOfStudyRelatedInstances) is { } count)
                {
                    tally.Expected = count;
                }

                found.Add(new FoundStudy(tally.StudyUid, [.. answer.GetStrings(DicomTag.SOPClassesInStudy).Where(u => DicomUid.IsValid(u)).Distinct(StringComparer.Ordinal)]));
            }

            return found;
        }

        /// <summary>
        /// The patient whose instances of <paramref name="studyUid"/> are imported: the one the study was approved for,
        /// provided the source holds the study under that patient and no other. Otherwise the study fails with the reason
        /// (nothing of it is retrieved) and null is returned. A study approved before approvals recorded the patient
        /// takes the one patient the source holds it under.
        /// </summary>
        private SourcePatient? HolderOf(DicomNode node, string studyUid, List<DicomDataset> answers)
        {
            var holders = new List<(string Id, string? Issuer)>();
            foreach (var answer in answers)
            {
                var id = answer.GetString(DicomTag.PatientID)?.Trim() ?? string.Empty;
                var issuer = answer.GetString(DicomTag.IssuerOfPatientID)?.Trim();
                if (!holders.Any(h => h.Id == id && (string.IsNullOrEmpty(h.Issuer) || string.IsNullOrEmpty(issuer) || h.Issuer == issuer)))
                {
                    holders.Add((id, issuer));
                }
            }

            var source = PacsGateway.Describe(node);
            if (holders.Count > 1)
            {
                Fail(studyUid, studyUid,
                    $"ambiguous study at the source: {source} holds study {studyUid} under {holders.Count} patients " +
                    $"({string.Join(", ", holders.Select(h => $"'{h.Id}'"))}); nothing of it was imported, its PACS administrator must correct it");
                return null;
            }

            var (heldBy, heldIssuer) = holders[0];
            var approved = _request.Studies.FirstOrDefault(s => s.StudyInstanceUid == studyUid)?.SourcePatient;
            if (approved is null)
            {
                try
                {
                    return new SourcePatient(heldBy, heldIssuer, null, null);
                }
                catch (DomainException error)
                {
                    Fail(studyUid, studyUid, $"{source} names the patient of study {studyUid} with a value no DICOM patient ID can have ({error.Message})");
                    return null;
                }
            }

            if (!approved.Matches(heldBy, heldIssuer))
            {
                Fail(studyUid, studyUid,
                    $"{source} now holds study {studyUid} under patient '{heldBy}', not under {approved}, the patient it was approved for; nothing of it was imported");
                return null;
            }

            return approved;
        }

        /// <summary>PS3.4 C.6.2: SERIES and IMAGE level C-FIND: every instance of the found studies (the expected count becomes exact).</summary>
        private async Task<List<ExpectedInstance>> FindInstancesAsync(DicomNode node, DicomClientAssociation association, List<FoundStudy> studies, CancellationToken cancellationToken)
        {
            var expected = new List<ExpectedInstance>();
            foreach (var study in studies)
            {
                var seriesKeys = Keys("SERIES", study.StudyUid);
                seriesKeys.SetString(DicomTag.SeriesInstanceUID, string.Empty);
                var count = 0;
                foreach (var series in await FindAsync(node, association, seriesKeys, cancellationToken))
                {
                    // Values from the source are hostile until checked: a series whose UID cannot be a key is not listed
                    // (its instances still come with the study and are checked one by one when they arrive).
                    var seriesUid = series.GetString(DicomTag.SeriesInstanceUID);
                    if (seriesUid is null || !DicomUid.IsValid(seriesUid))
                    {
                        continue;
                    }

                    var imageKeys = Keys("IMAGE", study.StudyUid);
                    imageKeys.SetString(DicomTag.SeriesInstanceUID, seriesUid);
                    imageKeys.SetString(DicomTag.SOPInstanceUID, string.Empty);
                    imageKeys.SetString(DicomTag.SOPClassUID, string.Empty);
                    foreach (var image in await FindAsync(node, association, imageKeys, cancellationToken))
                    {
                        var sop = image.GetString(DicomTag.SOPInstanceUID);
                        var sopClass = image.GetString(DicomTag.SOPClassUID);
                        if (string.IsNullOrEmpty(sop))
                        {
                            continue;
                        }

                        count++;
                        if (!DicomUid.IsValid(sop) || sopClass is null || !DicomUid.IsValid(sopClass))
                        {
                            // Never asked for by this UID, nor counted as missing: failed here, with what the administrator can act on.
                            var shown = Printable(DicomUid.IsValid(sop) ? sopClass : sop);
                            Fail(Printable(sop), study.StudyUid,
                                $"{PacsGateway.Describe(node)} lists an instance with an invalid {(DicomUid.IsValid(sop) ? "SOP Class" : "SOP Instance")} UID '{shown}': skipped");
                            continue;
                        }

                        expected.Add(new ExpectedInstance(study.StudyUid, seriesUid, sop, sopClass));
                    }
                }

                _tallies[study.StudyUid].Expected = count;
            }

            return expected;
        }

        /// <summary>
        /// Retrieves whole studies while the instances are listed on the query association. A listing that fails stops
        /// the transfer (its error is the one reported); a transfer that fails stops the listing.
        /// </summary>
        private async Task<List<ExpectedInstance>> TransferWhileListingAsync(DicomNode node, DicomClientAssociation query, List<FoundStudy> studies, CancellationToken cancellationToken)
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var listing = ListAndReleaseAsync();
            _ = listing.ContinueWith(_ => both.Cancel(), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            try
            {
                var sopClasses = studies.SelectMany(s => s.SopClasses).Distinct(StringComparer.Ordinal).ToList();
                await TransferAsync(node, [.. studies.Select(s => Keys("STUDY", s.StudyUid))], sopClasses, [.. studies.Select(s => s.StudyUid)], both.Token);
            }
            catch (OperationCanceledException) when (listing.IsFaulted && !cancellationToken.IsCancellationRequested)
            {
                // The listing's own error is thrown below.
            }
            catch
            {
                await both.CancelAsync();
                await listing.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }

            return await listing;

            async Task<List<ExpectedInstance>> ListAndReleaseAsync()
            {
                // Released as soon as the listing is done: an idle association would meet the source's idle timeout during a long transfer.
                var expected = await FindInstancesAsync(node, query, studies, both.Token);
                await query.ReleaseAsync(both.Token);
                return expected;
            }
        }

        /// <summary>Whether any instance of these studies is in the ledger for the destination (a resumed or repeated import).</summary>
        private async Task<bool> AnyImportedAsync(List<FoundStudy> studies, CancellationToken cancellationToken)
        {
            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            return await Reads.AnyImportedAsync(db, _destination.Id, [.. studies.Select(s => s.StudyUid)], cancellationToken);
        }

        private static DicomDataset Keys(string level, string studyUid)
        {
            var keys = new DicomDataset();
            keys.SetString(DicomTag.QueryRetrieveLevel, level);
            keys.SetString(DicomTag.StudyInstanceUID, studyUid);
            return keys;
        }

        private static async Task<List<DicomDataset>> FindAsync(DicomNode node, DicomClientAssociation association, DicomDataset keys, CancellationToken cancellationToken)
        {
            var matches = new List<DicomDataset>();
            await foreach (var response in association.FindAsync(DicomNetworkUids.StudyRootFind, keys, cancellationToken))
            {
                if (response.Status.IsPending && response.Identifier is { } identifier)
                {
                    matches.Add(identifier);
                }
                else if (!response.Status.IsSuccessOrWarning && !response.Status.IsPending)
                {
                    throw new RetrievalTransientException(
                        $"{PacsGateway.Describe(node)} refused the query: status {response.Status}{(response.ErrorComment is { } c ? $" ({c})" : "")}.");
                }
            }

            return matches;
        }

        private async Task LoadLedgerAsync(List<ExpectedInstance> expected, CancellationToken cancellationToken)
        {
            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            foreach (var chunk in expected.Select(e => e.SopInstanceUid).Chunk(500))
            {
                var done = await Reads.ImportedAsync(db, _destination.Id, chunk, cancellationToken);
                foreach (var instance in done)
                {
                    if (_done.TryAdd(instance.SopInstanceUid, 0) && _tallies.TryGetValue(instance.StudyInstanceUid, out var tally))
                    {
                        tally.Done++;
                        tally.Bytes += instance.Bytes;
                    }
                }
            }
        }

        /// <summary>Retrieves into the spool while a second task stores from it into the destination (bounded: back-pressure to the source).</summary>
        private async Task TransferAsync(DicomNode sourceNode, IReadOnlyList<DicomDataset> identifiers, IReadOnlyList<string> sopClasses, IReadOnlyList<string> studyUids, CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(_folder);
            await using var destination = await OpenAsync(_destination, StorageProposals(sopClasses, 127, role: false), cancellationToken);
            _toStore = Channel.CreateBounded<Spooled>(new BoundedChannelOptions(Math.Max(1, options.StoreQueueLength)) { SingleReader = true, SingleWriter = false });
            using var storing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var store = StoreAllAsync(destination, storing.Token);
            try
            {
                foreach (var tally in _tallies.Values.Where(t => studyUids.Contains(t.StudyUid)))
                {
                    tally.StartedAt ??= owner.clock.GetUtcNow();
                }

                if (sourceNode.Supports(DicomCapabilities.Get))
                {
                    await GetAsync(sourceNode, identifiers, sopClasses, cancellationToken);
                }
                else
                {
                    await MoveAsync(sourceNode, identifiers, cancellationToken);
                }
            }
            finally
            {
                _toStore.Writer.TryComplete();
                if (cancellationToken.IsCancellationRequested)
                {
                    await storing.CancelAsync();
                }

                try
                {
                    await store;
                }
                finally
                {
                    await FlushLedgerAsync(CancellationToken.None);
                }
            }

            await destination.ReleaseAsync(cancellationToken);
        }

        private async Task GetAsync(DicomNode node, IReadOnlyList<DicomDataset> identifiers, IReadOnlyList<string> sopClasses, CancellationToken cancellationToken)
        {
            List<PresentationContextRequest> contexts = [new(DicomNetworkUids.StudyRootGet, QuerySyntaxes), .. StorageProposals(sopClasses, 126, role: true)];
            await using var association = await OpenAsync(node, contexts, cancellationToken);
            foreach (var identifier in identifiers)
            {
                await foreach (var progress in association.GetAsync(DicomNetworkUids.StudyRootGet, identifier, this, cancellationToken))
                {
                    Observe(progress);
                }
            }

            await association.ReleaseAsync(cancellationToken);
        }

        private async Task MoveAsync(DicomNode node, IReadOnlyList<DicomDataset> identifiers, CancellationToken cancellationToken)
        {
            var portal = (await owner.portalIdentity.GetAsync(cancellationToken)).AeTitle;
            await using var route = await owner.router.RouteAsync(node.AeTitleValue, this, cancellationToken);
            await using var association = await OpenAsync(node, [new PresentationContextRequest(DicomNetworkUids.StudyRootMove, QuerySyntaxes)], cancellationToken);
            foreach (var identifier in identifiers)
            {
                await foreach (var progress in association.MoveAsync(DicomNetworkUids.StudyRootMove, portal, identifier, cancellationToken))
                {
                    Observe(progress);
                }
            }

            await association.ReleaseAsync(cancellationToken);
        }

        private void Observe(RetrieveProgress progress)
        {
            if (progress.Status.IsFinal && !progress.Status.IsSuccessOrWarning)
            {
                _lastRetrieveProblem = $" (retrieve ended with status {progress.Status}{(progress.ErrorComment is { } c ? $": {c}" : "")})";
            }
            else if (progress.Status.IsFinal && progress.Failed is > 0)
            {
                _lastRetrieveProblem = $" ({progress.Failed} sub-operation(s) failed at the source)";
            }
        }

        /// <summary>
        /// A whole study when none of it is done yet; otherwise IMAGE level with the missing SOP Instance UIDs per series
        /// (PS3.4 C.4.2.2.1: a list of unique keys at the retrieve level), so a resumed job pulls only what is missing.
        /// </summary>
        private IEnumerable<DicomDataset> Identifiers(List<ExpectedInstance> remaining, bool wholeStudies)
        {
            foreach (var study in remaining.GroupBy(r => r.StudyUid))
            {
                if (wholeStudies && (!_done.Keys.Any() || study.Count() == _tallies[study.Key].Expected))
                {
                    yield return Keys("STUDY", study.Key);
                    continue;
                }

                foreach (var series in study.GroupBy(r => r.SeriesUid))
                {
                    foreach (var chunk in series.Chunk(200))
                    {
                        var keys = Keys("IMAGE", study.Key);
                        keys.SetString(DicomTag.SeriesInstanceUID, series.Key);
                        keys.SetStrings(DicomTag.SOPInstanceUID, chunk.Select(c => c.SopInstanceUid).ToArray());
                        yield return keys;
                    }
                }
            }
        }

        /// <summary>
        /// One context per (SOP class, transfer syntax), so every instance can travel in the syntax it is stored in: a
        /// source that finds no context for an instance's own syntax converts it (a lossy JPEG decompressed, say) or fails
        /// it. Callers keep to <see cref="ClassesPerAssociation"/> classes, so every syntax is offered for each.
        /// </summary>
        private static List<PresentationContextRequest> StorageProposals(IReadOnlyList<string> sopClasses, int room, bool role)
        {
            var perClass = Math.Max(2, Math.Min(StorageSyntaxes.Length, room / Math.Max(1, sopClasses.Count)));
            var proposals = new List<PresentationContextRequest>();
            foreach (var sopClass in sopClasses)
            {
                foreach (var syntax in StorageSyntaxes.Take(perClass))
                {
                    if (proposals.Count == room)
                    {
                        return proposals;
                    }

                    proposals.Add(new PresentationContextRequest(sopClass, [syntax]) { Role = role ? new RoleSelection(sopClass, ScuRole: false, ScpRole: true) : null });
                }
            }

            return proposals;
        }

        private async Task<DicomClientAssociation> OpenAsync(DicomNode node, IReadOnlyList<PresentationContextRequest> contexts, CancellationToken cancellationToken)
        {
            var settings = owner.dicomOptions.CurrentValue;
            var identity = await owner.portalIdentity.GetAsync(cancellationToken);
            var client = new DicomClient(node.Host, node.Port, new AssociationOptions
            {
                CallingAeTitle = identity.AeTitle,
                CalledAeTitle = node.AeTitleValue,
                ConnectTimeout = settings.ConnectTimeout,
                ResponseTimeout = settings.ResponseTimeout,
                Tls = node.UseTls ? new System.Net.Security.SslClientAuthenticationOptions { TargetHost = node.Host } : null,
            }, owner.loggers);
            try
            {
                return await client.OpenAsync(contexts, cancellationToken);
            }
            catch (Exception error) when (PacsGateway.Readable(node, error) is { } readable)
            {
                throw new RetrievalTransientException(readable.Message, error);
            }
        }

        /// <summary>
        /// Each received instance (C-GET sub-operation or routed C-MOVE sub-operation): skip what is done, spool within the
        /// limit, check it belongs to the request, reconcile it, queue it for the destination. One poison instance (an
        /// invalid UID, data that cannot be read or rewritten) fails that instance with its reason and a failure status
        /// to the source, which goes on with the rest of the study; nothing about it may end the association or the job.
        /// </summary>
        public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
        {
            if (!DicomUid.IsValid(instance.SopInstanceUid))
            {
                await DrainAsync(instance);
                var shown = Printable(instance.SopInstanceUid);
                Fail(shown, _tallies.Keys.First(), $"{Printable(instance.CallingAeTitle)} sent an instance with an invalid SOP Instance UID '{shown}': skipped");
                return DimseStatus.UnableToProcess;
            }

            if (_done.ContainsKey(instance.SopInstanceUid))
            {
                await instance.DataSet.CopyToAsync(Stream.Null, cancellationToken);
                return DimseStatus.Success;
            }

            string? studyUid = null;
            try
            {
                return await ReceiveAsync(instance, study => studyUid = study, cancellationToken);
            }
            catch (Exception error) when (error is not (OperationCanceledException or IOException) || error is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A broken connection or a full disk (IOException) is not the instance's fault: the attempt fails and is retried.
                await DrainAsync(instance);
                var reason = $"{Printable(instance.CallingAeTitle)} sent instance {instance.SopInstanceUid} that could not be imported " +
                             $"({Printable(error.Message, 300)}): skipped";
                owner._logger.LogWarning(error, "Job {JobId}: {Reason}", Lease.JobId, reason);
                Fail(instance.SopInstanceUid, studyUid ?? _tallies.Keys.First(), reason);
                return DimseStatus.UnableToProcess;
            }
        }

        private async Task<DimseStatus> ReceiveAsync(ReceivedInstance instance, Action<string> studyOf, CancellationToken cancellationToken)
        {
            var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".dcm");
            long bytes;
            try
            {
                bytes = await SpoolAsync(instance, path, cancellationToken);
            }
            catch (SpoolFullException)
            {
                _spoolFull = true;
                return DimseStatus.RefusedOutOfResources;
            }

            var queued = false;
            try
            {
                DicomFile file;
                try
                {
                    // The header only: pixel data stays in the spool file, is checked by nobody and sent as it came.
                    file = DicomFile.Open(path, HeaderOnly);
                    if ((file.StoppedAtOffset is null && file.TransferSyntax.IsDeflated) || file.TransferSyntax.IsBigEndian)
                    {
                        // Big endian (PS3.5 A.3, retired) is not written back: the whole data set is rewritten in explicit
                        // VR little endian, its values byte-swapped as they are read from the spool file (never whole in memory).
                        file = DicomFile.Open(path);
                    }
                }
                catch (DicomFormatException error)
                {
                    Fail(instance.SopInstanceUid, _tallies.Keys.First(), $"not valid DICOM ({error.Message})");
                    return DimseStatus.UnableToProcess;
                }

                var studyUid = file.Dataset.GetString(DicomTag.StudyInstanceUID);
                if (studyUid is not null && _tallies.ContainsKey(studyUid))
                {
                    studyOf(studyUid);
                }

                var patientId = file.Dataset.GetString(DicomTag.PatientID) ?? string.Empty;
                var issuer = file.Dataset.GetString(DicomTag.IssuerOfPatientID);
                var problem = file.Dataset.GetString(DicomTag.SOPInstanceUID) != instance.SopInstanceUid
                    ? "its SOP Instance UID differs from the one announced in the C-STORE request"
                    : studyUid is null || !_tallies.ContainsKey(studyUid)
                        ? $"study {studyUid ?? "(none)"} was not approved for this request"
                        : !_approvedPatients.TryGetValue(studyUid, out var approved)
                            ? $"study {studyUid} is not being retrieved (it was not found under the approved patient at the source)"
                            : !approved.Matches(patientId, issuer)
                                ? $"patient ID '{patientId}'{(string.IsNullOrWhiteSpace(issuer) ? "" : $" (issuer {issuer})")} is not {approved}, the patient the study was approved for"
                                : null;
                if (problem is not null)
                {
                    // The quarantine takes the spool file over, whatever happens after.
                    queued = true;
                    await QuarantineAsync(instance, path, bytes, studyUid, patientId, problem, cancellationToken);
                    return DimseStatus.Success;
                }

                if (InstanceReconciler.Apply(file.Dataset, _plan).AccessionKept is { } kept)
                {
                    _accessionsKept.TryAdd(kept, 0);
                }

                var spooled = WriteReconciledHeader(file, path, bytes, studyUid!, instance);
                await _toStore!.Writer.WriteAsync(spooled, cancellationToken);
                queued = true;
                return DimseStatus.Success;
            }
            finally
            {
                if (!queued)
                {
                    TryDelete(path + ".head");
                    Discard(path, bytes);
                }
            }
        }

        /// <summary>Reads what is left of a refused instance's data set, so that the association can go on.</summary>
        private static async Task DrainAsync(ReceivedInstance instance)
        {
            try
            {
                await instance.DataSet.CopyToAsync(Stream.Null, CancellationToken.None);
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException or NotSupportedException)
            {
                // Already read to its end, or closed: nothing left to skip.
            }
        }

        /// <summary>A value from the network as it may be shown: printable ASCII only, at most <paramref name="max"/> characters.</summary>
        private static string Printable(string? value, int max = 64)
        {
            var text = new string((value ?? string.Empty).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
            return text.Length <= max ? text : text[..max] + "...";
        }

        /// <summary>
        /// Encodes the reconciled data set up to Pixel Data in the instance's own transfer syntax next to the spool file.
        /// The rest (from the Pixel Data tag, or nothing when the header holds the whole data set) is sent from the spool
        /// file as received: reconciling a CT slice writes a few kilobytes, not the slice.
        /// </summary>
        private Spooled WriteReconciledHeader(DicomFile file, string path, long bytes, string studyUid, ReceivedInstance instance)
        {
            var headerPath = path + ".head";
            var converted = file.TransferSyntax.IsBigEndian;
            var syntax = converted ? DicomTransferSyntax.ExplicitVRLittleEndian : file.TransferSyntax;
            var restOffset = converted ? bytes : file.StoppedAtOffset ?? bytes;
            long headerBytes;
            using (var header = new FileStream(headerPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                DicomWriter.WriteDataset(header, file.Dataset, syntax);
                headerBytes = header.Length;
            }

            if (converted)
            {
                Interlocked.Increment(ref _convertedFromBigEndian);
            }

            Interlocked.Add(ref _spooled, headerBytes);
            owner.spool.Adjust(headerBytes);
            return new Spooled(path, headerPath, restOffset, studyUid, instance.SopClassUid, instance.SopInstanceUid,
                converted ? syntax.Uid : instance.TransferSyntaxUid, bytes + headerBytes, headerBytes + (bytes - restOffset));
        }

        private async Task<long> SpoolAsync(ReceivedInstance instance, string path, CancellationToken cancellationToken)
        {
            long written = 0;
            try
            {
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                var header = instance.Header.Encode(instance.CallingAeTitle);
                Reserve(header.Length);
                written += header.Length;
                await file.WriteAsync(header, cancellationToken);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await instance.DataSet.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    Reserve(read);
                    written += read;
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                return written;
            }
            catch
            {
                Discard(path, written);
                if (instance.DataSet.CanRead)
                {
                    await instance.DataSet.CopyToAsync(Stream.Null, CancellationToken.None);
                }

                throw;
            }
        }

        private void Reserve(long bytes)
        {
            if (!owner.spool.TryReserve(bytes))
            {
                throw new SpoolFullException();
            }

            Interlocked.Add(ref _spooled, bytes);
        }

        private void DiscardInBackground(Spooled item)
        {
            var discard = Task.Run(() => Discard(item), CancellationToken.None);
            lock (_discards)
            {
                _discards.RemoveAll(t => t.IsCompleted);
                _discards.Add(discard);
            }
        }

        private void Discard(Spooled item)
        {
            TryDelete(item.HeaderPath);
            Discard(item.Path, item.SpooledBytes);
        }

        private void Discard(string path, long bytes)
        {
            TryDelete(path);
            owner.spool.Adjust(-bytes);
            Interlocked.Add(ref _spooled, -bytes);
        }

        private async Task QuarantineAsync(ReceivedInstance instance, string path, long bytes, string? studyUid, string patientId, string problem, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _quarantined);
            _quarantinedUids[instance.SopInstanceUid] = problem;
            var now = owner.clock.GetUtcNow();
            var text = $"Quarantined instance {instance.SopInstanceUid} from {instance.CallingAeTitle}: {problem}. It was not imported.";
            await using (var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken))
            {
                if (await db.QuarantinedInstances.AnyAsync(q => q.JobId == Lease.JobId && q.SopInstanceUid == instance.SopInstanceUid, cancellationToken))
                {
                    // A retry of this job met it again: it is already held and was raised once; no second copy or alert.
                    Discard(path, bytes);
                    return;
                }

                var fileName = Guid.NewGuid().ToString("N") + ".dcm";
                Directory.CreateDirectory(owner.spool.QuarantineDirectory);
                File.Move(path, Path.Combine(owner.spool.QuarantineDirectory, fileName));
                owner.spool.Adjust(-bytes);
                Interlocked.Add(ref _spooled, -bytes);
                db.QuarantinedInstances.Add(new QuarantinedInstance(Lease.JobId, _request.Id, instance.SopInstanceUid, studyUid, patientId, problem, fileName, bytes, now));
                var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Id == _request.Id, cancellationToken);
                request.RecordSecurityAlert(text.Length <= 1000 ? text : text[..1000], now);
                await db.SaveChangesAsync(cancellationToken);
                await owner.observer.RequestChangedAsync(request, RequestEventKind.SecurityAlert, cancellationToken);
            }

            await using var scope = owner.scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure, $"Request {_request.Number}: {text}",
                    _request.Patient.LocalMrn, _request.Number),
                null, WorkerName, null, null, cancellationToken);
            owner._logger.LogWarning("Job {JobId}: {Alert}", Lease.JobId, text);
        }

        /// <summary>Stores every spooled instance over the one destination association, in the order received.</summary>
        private async Task StoreAllAsync(DicomClientAssociation destination, CancellationToken cancellationToken)
        {
            await foreach (var item in _toStore!.Reader.ReadAllAsync(cancellationToken))
            {
                string? failure;
                try
                {
                    failure = await StoreOneAsync(destination, item, cancellationToken);
                }
                catch (Exception error) when (PacsGateway.Readable(_destination, error) is { } readable)
                {
                    // The destination went away: the rest waits for the next attempt (the ledger keeps what is done).
                    _toStore.Writer.TryComplete();
                    Drain();
                    throw new RetrievalTransientException(readable.Message, error);
                }
                finally
                {
                    // Off the path of the next C-STORE: unlinking two files is not the destination's business.
                    DiscardInBackground(item);
                }

                var tally = _tallies[item.StudyUid];
                if (failure is null)
                {
                    if (_done.TryAdd(item.SopInstanceUid, 0))
                    {
                        Interlocked.Increment(ref tally.Done);
                        Interlocked.Add(ref tally.Bytes, item.Bytes);
                        lock (_ledgerLock)
                        {
                            _ledger.Add(new ImportedInstance(Lease.JobId, _destination.Id, item.StudyUid, item.SopInstanceUid, item.Bytes, owner.clock.GetUtcNow()));
                        }
                    }
                }
                else
                {
                    Fail(item.SopInstanceUid, item.StudyUid, failure);
                }
            }
        }

        private void Drain()
        {
            while (_toStore!.Reader.TryRead(out var left))
            {
                Discard(left);
            }
        }

        private void Fail(string sopInstanceUid, string studyUid, string reason)
        {
            if (_failures.TryAdd(sopInstanceUid, (studyUid, reason)) && _tallies.TryGetValue(studyUid, out var tally))
            {
                Interlocked.Increment(ref tally.Failed);
            }
        }

        /// <summary>C-STORE in the original syntax; uncompressed data may be rewritten to the other little-endian syntax. Null on success, else why not.</summary>
        private async Task<string?> StoreOneAsync(DicomClientAssociation destination, Spooled item, CancellationToken cancellationToken)
        {
            var association = destination.Association;
            DimseResponse response;
            if (association.FindContext(item.SopClassUid, item.TransferSyntaxUid) is not null)
            {
                await using var dataSet = item.OpenDataSet();
                response = await destination.StoreAsync(item.SopClassUid, item.SopInstanceUid, item.TransferSyntaxUid, dataSet, cancellationToken: cancellationToken);
            }
            else if (Rewritable.Contains(item.TransferSyntaxUid) &&
                     new[] { DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian }
                         .FirstOrDefault(s => association.FindContext(item.SopClassUid, s) is not null) is { } fallback)
            {
                // Rare: the destination takes only the other little-endian syntax. The reconciled data set is put together
                // in a file (its large values stay there while read) and written out again in that syntax.
                await using var whole = new FileStream(item.Path + ".whole", FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                await using (var dataSet = item.OpenDataSet())
                {
                    await dataSet.CopyToAsync(whole, cancellationToken);
                }

                whole.Position = 0;
                var reconciled = DicomReader.ReadDataset(whole, DicomTransferSyntax.Lookup(item.TransferSyntaxUid));
                await using var rewritten = new FileStream(item.Path + ".tx", FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
                DicomWriter.WriteDataset(rewritten, reconciled, DicomTransferSyntax.Lookup(fallback));
                rewritten.Position = 0;
                response = await destination.StoreAsync(item.SopClassUid, item.SopInstanceUid, fallback, rewritten, cancellationToken: cancellationToken);
                _rewrittenFor.AddOrUpdate(fallback, 1, (_, n) => n + 1);
            }
            else
            {
                var what = DicomUid.Find(item.SopClassUid)?.Name ?? item.SopClassUid;
                return association.FindContext(item.SopClassUid) is null
                    ? $"{_destination.AeTitleValue} does not accept {what}"
                    : $"{_destination.AeTitleValue} does not accept {what} in {DicomTransferSyntax.Lookup(item.TransferSyntaxUid).Name}";
            }

            // PS3.4 B.2.3: warnings are stored; 0x0111 ("duplicate SOP instance") means the destination already holds it.
            return response.Status.IsSuccessOrWarning || response.Status.Code == 0x0111
                ? null
                : $"{_destination.AeTitleValue} answered {response.Status}{(response.ErrorComment is { Length: > 0 } c ? $" ({c})" : "")}";
        }

        /// <summary>Writes the ledger rows gathered since the last flush; a row another worker wrote first is simply already there.</summary>
        private async Task FlushLedgerAsync(CancellationToken cancellationToken)
        {
            await _flush.WaitAsync(cancellationToken);
            try
            {
                await FlushLedgerCoreAsync(cancellationToken);
            }
            finally
            {
                _flush.Release();
            }
        }

        private async Task FlushLedgerCoreAsync(CancellationToken cancellationToken)
        {
            List<ImportedInstance> batch;
            lock (_ledgerLock)
            {
                batch = [.. _ledger];
                _ledger.Clear();
            }

            if (_failures.Count > 0)
            {
                await SaveFailuresAsync(cancellationToken);
            }

            if (batch.Count == 0)
            {
                return;
            }

            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            db.ImportedInstances.AddRange(batch);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                foreach (var row in batch)
                {
                    await using var single = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
                    if (!await single.ImportedInstances.AnyAsync(i => i.SopInstanceUid == row.SopInstanceUid && i.DestinationNodeId == row.DestinationNodeId, cancellationToken))
                    {
                        single.ImportedInstances.Add(row);
                        await single.SaveChangesAsync(cancellationToken);
                    }
                }
            }
        }

        private async Task SaveFailuresAsync(CancellationToken cancellationToken)
        {
            var now = owner.clock.GetUtcNow();
            var fresh = _failures.Where(f => _failuresSaved.Add(f.Key)).ToList();
            if (fresh.Count == 0)
            {
                return;
            }

            await using var db = await owner.dbFactory.CreateDbContextAsync(cancellationToken);
            db.FailedInstances.AddRange(fresh.Select(f => new FailedInstance(Lease.JobId, f.Value.Study, f.Key, f.Value.Reason, now)));
            await db.SaveChangesAsync(cancellationToken);
        }

        public async Task ReportProgressAsync(CancellationToken cancellationToken)
        {
            if (_job is null)
            {
                return;
            }

            await FlushLedgerAsync(cancellationToken);
            var snapshot = new RetrievalProgressSnapshot(_tallies.Values.Select(t => t.Snapshot()).ToList());
            if (await owner.queue.ReportProgressAsync(Lease, snapshot, cancellationToken))
            {
                await PublishProgressAsync(cancellationToken);
            }
        }

        public async Task PublishProgressAsync(CancellationToken cancellationToken)
        {
            if (_request is not null)
            {
                await owner.observer.ProgressAsync(_request, cancellationToken);
            }
        }

        public void CleanSpool()
        {
            Task[] pending;
            lock (_discards)
            {
                pending = [.. _discards];
                _discards.Clear();
            }

            Task.WaitAll(pending);
            if (_folder.Length == 0 || !Directory.Exists(_folder))
            {
                return;
            }

            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            owner.spool.Adjust(-Interlocked.Exchange(ref _spooled, 0));
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private sealed class SpoolFullException : Exception;
}

/// <summary>The spool folder and its size limit, shared by every job of this process.</summary>
public sealed class SpoolBudget(string directory, long limitBytes)
{
    private long _used;

    public string Directory { get; } = directory;

    /// <summary>Kept aside, never imported: instances a source sent that no request asked for.</summary>
    public string QuarantineDirectory => Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Directory)) ?? Directory, "quarantine");

    public long Used => Interlocked.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        while (true)
        {
            var used = Interlocked.Read(ref _used);
            if (used + bytes > limitBytes)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _used, used + bytes, used) == used)
            {
                return true;
            }
        }
    }

    public void Adjust(long bytes) => Interlocked.Add(ref _used, bytes);
}
