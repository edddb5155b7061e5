using System.Collections.Concurrent;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// The state of one run of one job, and its course: load the request, start it, find the approved studies at the
/// source, transfer them, and say how it ended. Its parts, one concern a file: <c>JobRun.SourceQuery</c>,
/// <c>JobRun.Transfer</c>, <c>JobRun.Intake</c>, <c>JobRun.Destination</c>, <c>JobRun.Ledger</c>, <c>JobRun.Spool</c>,
/// <c>JobRun.Watch</c>.
/// </summary>
internal sealed partial class JobRun(RetrievalServices services, RetrievalLease lease, RetrievalOptions options) : IDicomStoreProvider
{
    private readonly Dictionary<string, StudyTally> _tallies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _done = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Study, string Reason)> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failuresSaved = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flush = new(1, 1);
    private string _lastRetrieveProblem = string.Empty;
    private int _retrieveProblems;
    private List<ExpectedInstance> _expected = [];
    /// <summary>Per study being retrieved, the only patient whose instances may be imported (written before the transfer starts).</summary>
    private readonly Dictionary<string, SourcePatient> _approvedPatients = new(StringComparer.Ordinal);
    private HashSet<string> _approvedStudies = new(StringComparer.Ordinal);
    private int _missingStudies;
    private readonly List<ImportedInstance> _ledger = [];
    private readonly Lock _ledgerLock = new();
    private readonly List<Task> _discards = [];
    private Channel<SpooledInstance>? _toStore;
    private CancellationTokenSource? _retrieving;
    private readonly ConcurrentDictionary<string, string> _failedAtSource = new(StringComparer.Ordinal);
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
    private readonly ConcurrentDictionary<string, int> _rewrittenFor = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _accessionsKept = new(StringComparer.Ordinal);

    /// <summary>
    /// How many times one attempt asks a source again for what it did not send: as long as it names failures, and once
    /// after it left instances out without naming them.
    /// </summary>
    private const int MaxPasses = 5;

    private static readonly string[] QuerySyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    public RetrievalLease Lease { get; } = lease;

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
        var sourceNode = NodeChoice.ForRetrieval(_source.Nodes)
            ?? throw new RetrievalPermanentException($"{_source.Code} has no DICOM node that offers C-GET or C-MOVE.");
        try
        {
            return await RetrieveFromAsync(sourceNode, cancellationToken);
        }
        catch (Exception error) when (CredentialsRefused(sourceNode, error) is { } refused)
        {
            // The QIDO-RS search or listing of a DICOMweb source (its WADO-RS is WadoAsync's).
            throw refused;
        }
        catch (Exception error) when (error is not (RetrievalTransientException or RetrievalPermanentException) && PacsGateway.Readable(sourceNode, error) is { } readable)
        {
            // The source broke the protocol or the connection (the destination's failures are already in words).
            throw new RetrievalTransientException(readable.Message, error);
        }
    }

    private async Task<JobOutcome> RetrieveFromAsync(DicomNode sourceNode, CancellationToken cancellationToken)
    {
        await using var query = await OpenQueryAsync(sourceNode, cancellationToken);
        var studies = await FindStudiesAsync(sourceNode, query, cancellationToken);
        if (studies.Count == 0)
        {
            throw NothingToRetrieveAt(sourceNode);
        }

        List<ExpectedInstance> expected;
        var confirmed = 0;
        var sopClassesNamed = studies.All(s => s.SopClasses.Length > 0);
        if (_job.Attempts == 0 && sopClassesNamed && studies.SelectMany(s => s.SopClasses).Distinct(StringComparer.Ordinal).Count() <= StoragePlan.ClassesPerAssociation &&
            !await AnyImportedAsync(studies, cancellationToken))
        {
            // A first attempt: nothing of these studies is at the destination, and the source named their SOP classes, so
            // the whole studies are retrieved at once. Their instances are listed afterwards, and only for a study the
            // transfer did not bring whole by the source's own count (ConfirmedByCount): a source pays for every listing
            // (Orthanc 1.10: 56 ms of CPU for a 300-instance series at IMAGE level, against 4 ms for the STUDY-level query).
            await query.ReleaseAsync(cancellationToken);
            Ended("query");
            var sopClasses = studies.SelectMany(s => s.SopClasses).Distinct(StringComparer.Ordinal).ToList();
            await TransferAsync(sourceNode, [.. studies.Select(s => Keys("STUDY", s.StudyUid))], sopClasses, [.. studies.Select(s => s.StudyUid)], cancellationToken);
            var unconfirmed = studies.Where(s => !ConfirmedByCount(s)).ToList();
            confirmed = studies.Count - unconfirmed.Count;
            expected = unconfirmed.Count == 0 ? [] : await ListAgainAsync(sourceNode, unconfirmed, cancellationToken);
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
            await TransferInGroupsAsync(sourceNode, remaining, wholeStudies: true, cancellationToken);
        }

        if (expected.Count == 0 && confirmed == 0)
        {
            throw NoneLeftAt(sourceNode);
        }

        var askedAfterSilence = false;
        var problemsBefore = 0;
        for (var pass = 1; pass < MaxPasses; pass++)
        {
            // A source that could not send an instance may have stopped there (Orthanc 1.10 ends a C-GET at its first
            // failed sub-operation): what it had not sent yet is asked for again, by UID, without the ones it named.
            var failedBefore = _failures.Count;
            FailWhatTheSourceCouldNotSend(sourceNode, expected);
            // One it sent that had to be quarantined would only be quarantined again: it fails with its reason below.
            var undelivered = expected.Where(e => !_done.ContainsKey(e.SopInstanceUid) && !_failures.ContainsKey(e.SopInstanceUid) &&
                !_quarantinedUids.ContainsKey(e.SopInstanceUid)).ToList();
            if (undelivered.Count == 0 || _spoolFull)
            {
                break;
            }

            if (_failures.Count == failedBefore)
            {
                // The source named none of them. If its retrieves also ended well (success or warning, no failed
                // sub-operation: a study-level retrieve that skips some, a sub-operation lost on the way), the missing
                // instances are asked for by UID once in this attempt rather than after a retry's backoff. A source that
                // said something went wrong (its archive down, a failed sub-operation, a broken part), or a second
                // silence, ends the attempt; the retry lists the study again.
                if (askedAfterSilence || Volatile.Read(ref _retrieveProblems) != problemsBefore)
                {
                    break;
                }

                askedAfterSilence = true;
            }

            problemsBefore = Volatile.Read(ref _retrieveProblems);

            await TransferInGroupsAsync(sourceNode, undelivered, wholeStudies: false, cancellationToken);
        }

        FailWhatTheSourceCouldNotSend(sourceNode, expected);
        Ended("transfer");

        foreach (var tally in _tallies.Values)
        {
            tally.FinishedAt ??= services.Clock.GetUtcNow();
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
            throw new RetrievalTransientException($"The spool is full ({services.RetrievalOptions.CurrentValue.SpoolLimitBytes} bytes); {missing} instance(s) wait for room.");
        }

        if (missing > 0)
        {
            throw new RetrievalTransientException($"{PacsGateway.Describe(sourceNode)} delivered {expected.Count - missing} of {expected.Count} instances{_lastRetrieveProblem}.");
        }

        return Outcome();
    }

    /// <summary>Retrieves <paramref name="instances"/>, a group of SOP classes per association (<see cref="StoragePlan"/>).</summary>
    private async Task TransferInGroupsAsync(DicomNode sourceNode, List<ExpectedInstance> instances, bool wholeStudies, CancellationToken cancellationToken)
    {
        var groups = StoragePlan.Groups(instances);
        foreach (var group in groups)
        {
            await TransferAsync(sourceNode, [.. Identifiers(group, wholeStudies && groups.Count == 1)], [.. group.Select(i => i.SopClassUid).Distinct(StringComparer.Ordinal)],
                [.. group.Select(r => r.StudyUid).Distinct(StringComparer.Ordinal)], cancellationToken);
        }
    }

    /// <summary>Each listed instance the source reported in a Failed SOP Instance UID List (0008,0058) fails with that reason.</summary>
    private void FailWhatTheSourceCouldNotSend(DicomNode sourceNode, List<ExpectedInstance> expected)
    {
        foreach (var instance in expected)
        {
            if (!_done.ContainsKey(instance.SopInstanceUid) && _failedAtSource.TryGetValue(instance.SopInstanceUid, out var status))
            {
                Fail(instance.SopInstanceUid, instance.StudyUid, $"{PacsGateway.Describe(sourceNode)} could not send it (its sub-operation failed there; the retrieve ended with {status})");
            }
        }
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
                $"{imported} instance(s) of {_tallies.Count} study(ies) imported into {DestinationName} as patient {_request.Patient.LocalMrn}" +
                (_quarantined > 0 ? $"; {_quarantined} unexpected instance(s) quarantined" : string.Empty) + ImportNotes);
        }

        var reasons = string.Join("; ", _failures.GroupBy(f => f.Value.Reason).Select(g => $"{g.Count()} × {g.Key} ({string.Join(", ", g.Take(3).Select(x => x.Key))}{(g.Count() > 3 ? ", ..." : "")})"));
        var detail = $"{imported} imported, {failed} failed: {reasons}{ImportNotes}";
        return new JobOutcome(imported == 0 ? RetrievalJobState.Failed : RetrievalJobState.PartiallySucceeded, imported, failed, _tallies.Count, _request.Patient.LocalMrn,
            detail.Length <= 1000 ? detail : detail[..997] + "...");
    }

    /// <summary>What the import changed in how instances are encoded (their values are the same), for the request's timeline.</summary>
    private string ImportNotes =>
        string.Concat(_rewrittenFor.Select(r =>
            $"; {r.Value} instance(s) rewritten in {DicomTransferSyntax.Lookup(r.Key).Name}, the only syntax {DestinationName} takes for them (values unchanged)")) +
        (_accessionsKept.IsEmpty ? string.Empty
            : $"; accession number(s) {string.Join(", ", _accessionsKept.Keys.Order(StringComparer.Ordinal).Select(a => $"'{a}'"))} kept as the source sent them: " +
              $"with the prefix '{_plan.SourceCode}' they would exceed {InstanceReconciler.MaxAccessionLength} characters") + WarningNotes;

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        _job = JobReads.Found(await JobReads.JobAsync(db, Lease.JobId, cancellationToken), "retrieval job", Lease.JobId);
        _request = JobReads.Found(await JobReads.RequestAsync(db, _job.RequestId, cancellationToken), "request", _job.RequestId);
        _requester = JobReads.Found(await JobReads.FacilityAsync(db, _request.RequestingFacilityId, cancellationToken), "facility", _request.RequestingFacilityId);
        _source = JobReads.Found(await JobReads.FacilityAsync(db, _request.SourceFacilityId, cancellationToken), "facility", _request.SourceFacilityId);
        foreach (var study in _request.Studies)
        {
            _tallies[study.StudyInstanceUid] = new StudyTally(study.StudyInstanceUid) { Expected = study.ExpectedInstances ?? 0 };
        }

        _approvedStudies = new HashSet<string>(_tallies.Keys, StringComparer.Ordinal);

        _destination = _requester.ImportDestination
            ?? throw new RetrievalPermanentException($"{_requester.Code} has no import destination node; an administrator must choose one.");
        _plan = new ReconcilePlan(
            _request.Patient.LocalMrn, _requester.PatientIdIssuer, _source.PatientIdIssuer, _source.Code,
            _requester.AccessionPolicy, _requester.DemographicsPolicy, _request.Patient);
        _folder = Path.Combine(services.Spool.Directory, Lease.JobId.ToString("N"));
    }

    /// <summary>
    /// Moves the request to Retrieving (first run, or a retry after Failed) and audits "begin transferring" per study, in
    /// the same commit (<see cref="IAuditTrail.Stage(ImagePortalDbContext, AuditEntry)"/>).
    /// </summary>
    private async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.Scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        var request = JobReads.Found(await JobReads.RequestForUpdateAsync(db, _job.RequestId, cancellationToken), "request", _job.RequestId);
        var started = request.Allows(RequestAction.StartRetrieval, RequestActor.Portal, null);
        if (started)
        {
            request.StartRetrieval(services.Clock.GetUtcNow());
        }

        foreach (var study in request.Studies)
        {
            audit.Stage(db,
                new AuditEntry(AuditEventType.BeginTransferring, AuditAction.Execute, AuditOutcome.Success,
                    $"Request {request.Number}: begin transferring study {study.StudyInstanceUid} from {_source.Code} to {_requester.Code}",
                    request.Patient.LocalMrn, request.Number),
                null, WorkerName, null, null);
        }

        await db.SaveChangesAsync(cancellationToken);
        _started = true;
        _request = request;
        await audit.SealStagedAsync(cancellationToken);
        if (started)
        {
            await services.Observer.RequestChangedAsync(request, RequestEventKind.RetrievalStarted, cancellationToken);
        }
    }

    private string WorkerName => $"retrieval worker {Lease.Owner}";

    /// <summary>
    /// Stages, in <paramref name="db"/> (the transaction that ends the job), one "instances transferred" event per study:
    /// a worker that dies right after that commit leaves them staged, and any node seals them (<see cref="AuditOutbox"/>).
    /// Nothing, if the run never started a transfer.
    /// </summary>
    public void StageTransferred(ImagePortalDbContext db, IAuditTrail audit)
    {
        if (!_started)
        {
            return;
        }

        foreach (var tally in _tallies.Values)
        {
            var outcome = tally.Failed > 0 || tally.Done < tally.Expected ? AuditOutcome.MinorFailure : AuditOutcome.Success;
            var why = _failures.Where(f => f.Value.Study == tally.StudyUid).GroupBy(f => f.Value.Reason)
                .Select(g => $"{g.Count()} × {g.Key}").Take(3).ToList();
            audit.Stage(db,
                new AuditEntry(AuditEventType.InstancesTransferred, AuditAction.Create, outcome,
                    $"Request {_request.Number}: study {tally.StudyUid} from {_source.Code} into {DestinationName}: {tally.Done} of {tally.Expected} instances imported, {tally.Failed} failed, {tally.Bytes} bytes" +
                    (why.Count > 0 ? $" ({string.Join("; ", why)})" : string.Empty),
                    _request.Patient.LocalMrn, _request.Number),
                null, WorkerName, null, null);
        }
    }

    private static RetrievalPermanentException NoneLeftAt(DicomNode node) =>
        new($"None of the approved studies is at {PacsGateway.Describe(node)} any more.");

    /// <summary>No approved study can be retrieved: all gone from the source, or (also) held there under another patient.</summary>
    private RetrievalPermanentException NothingToRetrieveAt(DicomNode node) =>
        _missingStudies == _tallies.Count
            ? NoneLeftAt(node)
            : new($"Nothing was imported: {string.Join("; ", _failures.Values.Select(f => f.Reason).Distinct(StringComparer.Ordinal))}.");

    private void Fail(string sopInstanceUid, string studyUid, string reason)
    {
        if (_failures.TryAdd(sopInstanceUid, (studyUid, reason)) && _tallies.TryGetValue(studyUid, out var tally))
        {
            Interlocked.Increment(ref tally.Failed);
        }
    }
}
