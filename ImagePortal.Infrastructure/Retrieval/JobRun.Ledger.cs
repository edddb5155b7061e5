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
using ImagePortal.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The exactly-once ledger of imported instances, the failures, and the progress the pages show.</summary>
internal sealed partial class JobRun
{
    /// <summary>Each study's counters as last written to its row.</summary>
    private readonly Dictionary<string, StudyProgressSnapshot> _progressWritten = new(StringComparer.Ordinal);

    private async Task LoadLedgerAsync(List<ExpectedInstance> expected, CancellationToken cancellationToken)
    {
        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in expected.Select(e => e.SopInstanceUid).Chunk(500))
        {
            var done = await JobReads.ImportedAsync(db, _destination.Id, chunk, cancellationToken);
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

        await ImportLedger.WriteAsync(services.DbFactory, batch, cancellationToken);
    }

    private async Task SaveFailuresAsync(CancellationToken cancellationToken)
    {
        var now = services.Clock.GetUtcNow();
        var fresh = _failures.Where(f => _failuresSaved.Add(f.Key)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }

        await using var db = await services.DbFactory.CreateDbContextAsync(cancellationToken);
        db.FailedInstances.AddRange(fresh.Select(f => new FailedInstance(Lease.JobId, f.Value.Study, f.Key, f.Value.Reason, now)));
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Flushes the ledger and writes the job's progress (at its end: the last heartbeat may be up to a second old).</summary>
    public async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        if (await ProgressToWriteAsync(cancellationToken) is { } progress && await services.Queue.ReportProgressAsync(Lease, progress, cancellationToken))
        {
            await ProgressWrittenAsync(progress, cancellationToken);
        }
    }

    /// <summary>
    /// What the next heartbeat writes with its renewal: the ledger rows gathered so far are flushed first (the progress
    /// shown never runs ahead of the ledger), then the counters of every study are taken, and those of the studies that
    /// changed since they were last written are marked for writing. Null before the job is loaded.
    /// </summary>
    public async Task<RetrievalProgressSnapshot?> ProgressToWriteAsync(CancellationToken cancellationToken)
    {
        if (_job is null)
        {
            return null;
        }

        await FlushLedgerAsync(cancellationToken);
        var studies = _tallies.Values.Select(t => t.Snapshot()).ToList();
        List<StudyProgressSnapshot> changed;
        lock (_progressWritten)
        {
            changed = [.. studies.Where(s => !_progressWritten.TryGetValue(s.StudyInstanceUid, out var written) || written != s)];
        }

        return new RetrievalProgressSnapshot(studies, changed);
    }

    /// <summary>
    /// <paramref name="progress"/> is in the database: its studies need no writing until they change again, and the open
    /// pages are told, when something changed (a job that stands still is not re-read by every page once a second).
    /// </summary>
    public async Task ProgressWrittenAsync(RetrievalProgressSnapshot progress, CancellationToken cancellationToken)
    {
        lock (_progressWritten)
        {
            foreach (var study in progress.Changed)
            {
                _progressWritten[study.StudyInstanceUid] = study;
            }
        }

        if (progress.Changed.Count > 0)
        {
            await PublishProgressAsync(cancellationToken);
        }
    }

    public async Task PublishProgressAsync(CancellationToken cancellationToken)
    {
        if (_request is not null)
        {
            await services.Observer.ProgressAsync(_request, cancellationToken);
        }
    }
}
