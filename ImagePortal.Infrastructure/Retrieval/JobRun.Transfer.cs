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
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Pulls the studies from the source (C-GET on its own association, C-MOVE to the portal's Storage SCP, or WADO-RS: <c>JobRun.WebSource</c>) into the spool while the destination is fed.</summary>
internal sealed partial class JobRun
{
    /// <summary>Retrieves into the spool while a second task stores from it into the destination (bounded: back-pressure to the source).</summary>
    private async Task TransferAsync(DicomNode sourceNode, IReadOnlyList<DicomDataset> identifiers, IReadOnlyList<string> sopClasses, IReadOnlyList<string> studyUids, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_folder);
        var proposals = StoragePlan.Proposals(sopClasses, role: false);
        await using var destination = await OpenDestinationAsync(proposals, cancellationToken);
        _toStore = Channel.CreateBounded<SpooledInstance>(new BoundedChannelOptions(Math.Max(1, options.StoreQueueLength))
        {
            SingleReader = options.StoreAssociations <= 1,
            SingleWriter = false,
        });
        using var storing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var retrieving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _retrieving = retrieving;
        var store = destination.StoreAllAsync(storing.Token);

        // Nothing may wait for room in a queue that nobody stores from any more. A cancelled job (a stall, a lost lease, a
        // cancel request) stops its storing at once, while its retrieve goes on serving the source's sub-operations until
        // the final answer (PS3.7 9.3.2.3); storing that ends early on its own leaves the queue unread as well. Either way
        // the queue is closed, and an instance still arriving is refused (ReceiveAsync) instead of waiting for good with
        // the association unread and the attempt never ending (StalledRetrievalTests.ADestinationThatStopsAnswering...).
        var queue = _toStore;
        await using var closeOnCancel = cancellationToken.Register(() => queue.Writer.TryComplete());
        _ = store.ContinueWith(_ => queue.Writer.TryComplete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            foreach (var tally in _tallies.Values.Where(t => studyUids.Contains(t.StudyUid)))
            {
                tally.StartedAt ??= services.Clock.GetUtcNow();
            }

            if (sourceNode.IsDicomWeb)
            {
                await WadoAsync(sourceNode, identifiers, retrieving.Token);
            }
            else if (sourceNode.Supports(DicomCapabilities.Get))
            {
                await GetAsync(sourceNode, identifiers, sopClasses, retrieving.Token);
            }
            else
            {
                await MoveAsync(sourceNode, identifiers, retrieving.Token);
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

        await destination.CloseAsync(cancellationToken);
    }

    private async Task GetAsync(DicomNode node, IReadOnlyList<DicomDataset> identifiers, IReadOnlyList<string> sopClasses, CancellationToken cancellationToken)
    {
        List<PresentationContextRequest> contexts = [new(DicomNetworkUids.StudyRootGet, QuerySyntaxes), .. StoragePlan.Proposals(sopClasses, role: true)];
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
        var portal = (await services.PortalIdentity.GetAsync(cancellationToken)).AeTitle;
        // Waiting for another job's move from the same AE to end is not a stall of this one.
        Volatile.Write(ref _waitingForRoute, true);
        IAsyncDisposable routed;
        try
        {
            routed = await services.Router.RouteAsync(node.AeTitleValue, this, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _waitingForRoute, false);
            Touch();
        }

        await using var route = routed;
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
        foreach (var uid in progress.FailedSopInstanceUids)
        {
            _failedAtSource[uid] = $"status {progress.Status}{(progress.ErrorComment is { } comment ? $": {comment}" : "")}";
        }

        if (progress.Status.IsFinal && !progress.Status.IsSuccessOrWarning)
        {
            RetrieveProblem($" (retrieve ended with status {progress.Status}{(progress.ErrorComment is { } c ? $": {c}" : "")})");
        }
        else if (progress.Status.IsFinal && progress.Failed is > 0)
        {
            RetrieveProblem($" ({progress.Failed} sub-operation(s) failed at the source)");
        }
    }

    /// <summary>What went wrong in a retrieve, in words for the job's error; counted, so that a pass can tell a source that said nothing.</summary>
    private void RetrieveProblem(string problem)
    {
        _lastRetrieveProblem = problem;
        Interlocked.Increment(ref _retrieveProblems);
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

    private async Task<DicomClientAssociation> OpenAsync(DicomNode node, IReadOnlyList<PresentationContextRequest> contexts, CancellationToken cancellationToken)
    {
        var settings = services.DicomOptions.CurrentValue;
        var identity = await services.PortalIdentity.GetAsync(cancellationToken);
        var client = new DicomClient(node.Host, node.Port, DicomTlsFiles.AssociationFor(node, identity, settings), services.Loggers, services.Metrics);
        try
        {
            return await client.OpenAsync(contexts, cancellationToken);
        }
        catch (Exception error) when (PacsGateway.Readable(node, error) is { } readable)
        {
            throw new RetrievalTransientException(readable.Message, error);
        }
    }
}
