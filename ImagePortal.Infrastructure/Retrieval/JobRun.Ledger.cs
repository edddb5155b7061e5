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

    public async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        if (_job is null)
        {
            return;
        }

        await FlushLedgerAsync(cancellationToken);
        var snapshot = new RetrievalProgressSnapshot(_tallies.Values.Select(t => t.Snapshot()).ToList());
        if (await services.Queue.ReportProgressAsync(Lease, snapshot, cancellationToken))
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
