using System.Collections.Concurrent;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Domain.Retrievals;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// What every kind of import destination shares: which one a transfer opens (<see cref="DimseDestination"/> or
/// <see cref="StowDestination"/>), how an instance's outcome is recorded, and how the destination is named in words.
/// </summary>
internal sealed partial class JobRun
{
    /// <summary>Warnings the destination stored instances with (a STOW-RS Warning Reason), with how many instances had each.</summary>
    private readonly ConcurrentDictionary<string, int> _storedWithWarning = new(StringComparer.Ordinal);

    /// <summary>
    /// Opens the import destination for one transfer: a DIMSE node's association now (so that a destination that is
    /// down fails the transfer before anything is retrieved), a DICOMweb node's STOW-RS client.
    /// </summary>
    private async Task<IImportDestination> OpenDestinationAsync(IReadOnlyList<PresentationContextRequest> proposals, CancellationToken cancellationToken)
    {
        if (_destination.IsDicomWeb)
        {
            var node = services.WebNodes.OptionsFor(_destination) with { StowBatchSize = Math.Max(1, options.StowBatchSize) };
            return new StowDestination(this, services.WebClients.For(node), Math.Max(1, options.StowBatchBytes));
        }

        DicomClientAssociation association = await OpenAsync(_destination, proposals, cancellationToken);
        return new DimseDestination(this, association, proposals);
    }

    private ILogger Logger => services.Logger;

    /// <summary>The destination in messages: its AE title, or a DICOMweb node's service root (it has no AE title).</summary>
    private string DestinationName => _destination.IsDicomWeb ? $"{_destination.Name} ({_destination.Address})" : _destination.AeTitleValue;

    /// <summary>
    /// Records what the destination did with <paramref name="item"/>: stored (<paramref name="failure"/> null) goes into
    /// the exactly-once ledger, once however often it is stored; else the instance fails with the reason.
    /// </summary>
    private void Record(SpooledInstance item, string? failure)
    {
        if (failure is not null)
        {
            Fail(item.SopInstanceUid, item.StudyUid, failure);
            return;
        }

        if (_done.TryAdd(item.SopInstanceUid, 0))
        {
            var tally = _tallies[item.StudyUid];
            Interlocked.Increment(ref tally.Done);
            Interlocked.Add(ref tally.Bytes, item.Bytes);
            lock (_ledgerLock)
            {
                _ledger.Add(new ImportedInstance(Lease.JobId, _destination.Id, item.StudyUid, item.SopInstanceUid, item.Bytes, services.Clock.GetUtcNow()));
            }
        }
    }

    /// <summary>Stored, and the destination said it changed something (PS3.18 Table 10.5.3-1 warning reasons: coercion, elements discarded).</summary>
    private void RecordWarning(SpooledInstance item, string warning)
    {
        if (!_done.ContainsKey(item.SopInstanceUid))
        {
            _storedWithWarning.AddOrUpdate(warning, 1, (_, n) => n + 1);
        }

        Record(item, null);
    }

    /// <summary>For the request's timeline: the instances the destination stored with a warning, per warning.</summary>
    private string WarningNotes =>
        string.Concat(_storedWithWarning.OrderBy(w => w.Key, StringComparer.Ordinal)
            .Select(w => $"; {w.Value} instance(s) stored by {DestinationName} with a warning: {w.Key}"));
}
