using System.Diagnostics;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Stores the spooled instances into the requester's import destination, one association per transfer, in the order received.</summary>
internal sealed partial class JobRun
{
    /// <summary>
    /// Uncompressed syntaxes a data set can be rewritten from into a little-endian one without changing a value: big
    /// endian (retired, PS3.5 A.3) has every value byte-swapped on the way, for a destination that does not take it.
    /// </summary>
    private static readonly HashSet<string> Rewritable =
        [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian, DicomNetworkUids.DeflatedExplicitVrLittleEndian, DicomNetworkUids.ExplicitVrBigEndian];

    /// <summary>
    /// Stores every spooled instance: over <paramref name="destination"/>, and with <see cref="RetrievalOptions.StoreAssociations"/>
    /// above 1 over further associations opened beside it, each taking the next instance from the queue as soon as its
    /// previous C-STORE is answered (several C-STOREs in flight toward a destination that answers each one slowly).
    /// A further association is a help, never a condition: one the destination refuses, does not answer in time (a
    /// single-process SCP serves one association at a time) or drops is simply not used, and the instance it was
    /// storing goes to the others. Only when the last association fails does the transfer fail.
    /// </summary>
    private async Task StoreAllAsync(DicomClientAssociation destination, IReadOnlyList<PresentationContextRequest> proposals, CancellationToken cancellationToken)
    {
        var lanes = new StoreLanes();
        lanes.Join();
        var primary = StoreOverAsync(destination, lanes, cancellationToken);
        var extra = Enumerable.Range(1, Math.Max(1, options.StoreAssociations) - 1).Select(_ => ExtraLaneAsync(proposals, lanes, cancellationToken)).ToList();
        try
        {
            await primary;
        }
        finally
        {
            await Task.WhenAll(extra);
        }
    }

    /// <summary>
    /// Opens one more association to the destination and stores over it while there is work. It must answer a C-ECHO
    /// within <see cref="ExtraLaneEcho"/> first: Orthanc accepts every association but serves only
    /// <c>DicomThreadsCount</c> at once, and a C-STORE on one it queues would wait the whole DIMSE timeout.
    /// </summary>
    private async Task ExtraLaneAsync(IReadOnlyList<PresentationContextRequest> proposals, StoreLanes lanes, CancellationToken cancellationToken)
    {
        DicomClientAssociation? association = null;
        // No more work, no more lanes: an open still waiting (or a peer still silent) is given up once the queue is done.
        using var opening = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = _toStore!.Reader.Completion.ContinueWith(_ => CancelQuietly(opening), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            association = await OpenAsync(_destination, [.. proposals, new PresentationContextRequest(DicomNetworkUids.Verification, QuerySyntaxes)], opening.Token);
            if (association.Association.FindContext(DicomNetworkUids.Verification) is not null)
            {
                opening.CancelAfter(ExtraLaneEcho);
                if (!(await association.EchoAsync(opening.Token)).IsSuccessOrWarning)
                {
                    throw new RetrievalTransientException($"{_destination.AeTitleValue} did not answer a C-ECHO with success");
                }
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested && (error is RetrievalTransientException or OperationCanceledException || PacsGateway.Readable(_destination, error) is not null))
        {
            services.Logger.LogDebug("Job {JobId}: a further association to {Destination} is not used: {Error}", Lease.JobId, _destination.AeTitleValue, error.Message);
            if (association is not null)
            {
                await association.DisposeAsync();
            }

            return;
        }

        await using (association)
        {
            if (!lanes.Join() || !await StoreOverAsync(association, lanes, cancellationToken))
            {
                return;
            }

            try
            {
                await association.ReleaseAsync(cancellationToken);
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested && PacsGateway.Readable(_destination, error) is { } readable)
            {
                // Everything it stored was answered: a release that fails changes nothing of the transfer.
                services.Logger.LogDebug("Job {JobId}: releasing a further association to {Destination} failed: {Error}", Lease.JobId, _destination.AeTitleValue, readable.Message);
            }
        }
    }

    private static void CancelQuietly(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The open was over long before the queue.
        }
    }

    /// <summary>How long a further destination association has to answer its first C-ECHO before it is given up.</summary>
    internal static readonly TimeSpan ExtraLaneEcho = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stores spooled instances over one destination association until the queue is done (true), or it fails: false when
    /// the others took its instance over, else the failure is thrown and ends the transfer.
    /// </summary>
    private async Task<bool> StoreOverAsync(DicomClientAssociation destination, StoreLanes lanes, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (!lanes.TryTakeReturned(out var item))
            {
                if (!await _toStore!.Reader.WaitToReadAsync(cancellationToken))
                {
                    if (lanes.TryLeave())
                    {
                        return true;
                    }

                    continue;
                }

                if (!_toStore.Reader.TryRead(out item))
                {
                    continue;
                }
            }

            string? failure;
            try
            {
                failure = await StoreOneAsync(destination, item, cancellationToken);
            }
            catch (Exception error) when (PacsGateway.Readable(_destination, error) is { } readable)
            {
                if (lanes.TryHandOver(item))
                {
                    // Another association goes on: this instance is stored again there (a destination that did take it
                    // answers the second C-STORE as it does a duplicate); its ledger row is written once, on success.
                    services.Logger.LogWarning("Job {JobId}: one of the associations to {Destination} failed, the others go on: {Error}", Lease.JobId, _destination.AeTitleValue, readable.Message);
                    return false;
                }

                // The destination went away: the rest waits for the next attempt (the ledger keeps what is done),
                // so the retrieve is cancelled (C-CANCEL) rather than spooling what nobody will store.
                DiscardInBackground(item);
                FailLanes(lanes);
                await AbandonQueueAsync();
                throw new RetrievalTransientException(readable.Message, error);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Any other failure ends the storing too: the retrieve must not go on filling a queue nobody reads
                // (it would wait on the full queue, reading nothing, with no timeout to end it).
                DiscardInBackground(item);
                FailLanes(lanes);
                await AbandonQueueAsync();
                throw;
            }
            catch
            {
                DiscardInBackground(item);
                throw;
            }
            finally
            {
                Touch();
            }

            // Off the path of the next C-STORE: unlinking the spool file is not the destination's business.
            DiscardInBackground(item);
            Record(item, failure);
        }
    }

    private void FailLanes(StoreLanes lanes)
    {
        foreach (var returned in lanes.Fail())
        {
            Discard(returned);
        }
    }

    /// <summary>
    /// The destination failed the transfer: nothing more is queued, what waits in the queue is discarded, and the
    /// retrieve is cancelled (C-CANCEL) rather than spooling what nobody will store. The ledger keeps what is done.
    /// </summary>
    private async Task AbandonQueueAsync()
    {
        _toStore!.Writer.TryComplete();
        Drain();
        await _retrieving!.CancelAsync();
    }

    private void Drain()
    {
        while (_toStore!.Reader.TryRead(out var left))
        {
            Discard(left);
        }
    }

    /// <summary>
    /// The associations storing one transfer's queue: how many are at work, and the instances handed back by one that
    /// failed. An association leaves only once the queue is done and nothing handed back is left, under the same lock
    /// a failing one hands over under: an instance is never handed to associations that have all left.
    /// </summary>
    private sealed class StoreLanes
    {
        private readonly Lock _lock = new();
        private readonly Queue<SpooledInstance> _returned = new();
        private int _working;
        private bool _failed;

        /// <summary>One more association is at work; false once the storing has ended (nothing left to join).</summary>
        public bool Join()
        {
            lock (_lock)
            {
                if (_failed || (_working == 0 && _returned.Count == 0 && _joinedOnce))
                {
                    return false;
                }

                _joinedOnce = true;
                _working++;
                return true;
            }
        }

        private bool _joinedOnce;

        public bool TryTakeReturned(out SpooledInstance item)
        {
            lock (_lock)
            {
                return _returned.TryDequeue(out item!);
            }
        }

        /// <summary>This association failed with <paramref name="item"/>: handed to the others, true, when any other is at work.</summary>
        public bool TryHandOver(SpooledInstance item)
        {
            lock (_lock)
            {
                if (_working <= 1 || _failed)
                {
                    return false;
                }

                _returned.Enqueue(item);
                _working--;
                return true;
            }
        }

        /// <summary>The queue is done: this association leaves, true, unless an instance was handed back meanwhile.</summary>
        public bool TryLeave()
        {
            lock (_lock)
            {
                if (_returned.Count > 0 && !_failed)
                {
                    return false;
                }

                _working--;
                return true;
            }
        }

        /// <summary>The storing failed for good: no association joins any more; the instances handed back are returned to be discarded.</summary>
        public List<SpooledInstance> Fail()
        {
            lock (_lock)
            {
                _failed = true;
                var left = _returned.ToList();
                _returned.Clear();
                return left;
            }
        }
    }

    /// <summary>C-STORE in the original syntax; uncompressed data may be rewritten to the other little-endian syntax. Null on success, else why not.</summary>
    private async Task<string?> StoreOneAsync(DicomClientAssociation destination, SpooledInstance item, CancellationToken cancellationToken)
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
            // Rare: the destination takes only the other little-endian syntax, or not the retired big endian. The
            // reconciled data set is put together in a file (its large values stay there while read) and written out
            // again in that syntax.
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
}
