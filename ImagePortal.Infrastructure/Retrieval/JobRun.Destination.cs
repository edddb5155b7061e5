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

/// <summary>Stores the spooled instances into the requester's import destination, one association per transfer, in the order received.</summary>
internal sealed partial class JobRun
{
    /// <summary>
    /// Uncompressed syntaxes a data set can be rewritten from into a little-endian one without changing a value: big
    /// endian (retired, PS3.5 A.3) has every value byte-swapped on the way, for a destination that does not take it.
    /// </summary>
    private static readonly HashSet<string> Rewritable =
        [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian, DicomNetworkUids.DeflatedExplicitVrLittleEndian, DicomNetworkUids.ExplicitVrBigEndian];

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
                // The destination went away: the rest waits for the next attempt (the ledger keeps what is done),
                // so the retrieve is cancelled (C-CANCEL) rather than spooling what nobody will store.
                _toStore.Writer.TryComplete();
                Drain();
                await _retrieving!.CancelAsync();
                throw new RetrievalTransientException(readable.Message, error);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // Any other failure ends the storing too: the retrieve must not go on filling a queue nobody reads
                // (it would wait on the full queue, reading nothing, with no timeout to end it).
                _toStore.Writer.TryComplete();
                Drain();
                await _retrieving!.CancelAsync();
                throw;
            }
            finally
            {
                // Off the path of the next C-STORE: unlinking two files is not the destination's business.
                DiscardInBackground(item);
                Touch();
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
                        _ledger.Add(new ImportedInstance(Lease.JobId, _destination.Id, item.StudyUid, item.SopInstanceUid, item.Bytes, services.Clock.GetUtcNow()));
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
