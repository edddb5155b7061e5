using System.Collections.Concurrent;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.Extensions.Options;

namespace ImagePortal.Web.Features.Viewing;

/// <summary>An instance the viewer wants, as the PACS's C-FIND named it.</summary>
public sealed record InstanceKey(string StudyUid, string SeriesUid, string SopInstanceUid, string SopClassUid);

/// <summary>The PACS did not answer within <see cref="ViewingSettings.PacsTimeout"/>.</summary>
public sealed class PacsTimeoutException(string message) : Exception(message);

/// <summary>The PACS answered, but did not send an instance its C-FIND had named.</summary>
public sealed class InstanceNotSentException(string message) : Exception(message);

/// <summary>
/// Brings instances into the <see cref="InstanceCache"/>, each fetched once however many callers want it at the same time:
/// the first caller's fetch is shared by the others, which wait for their instance only (it is handed over the moment its
/// file is complete, not when the whole retrieve ends). One retrieve (C-GET or C-MOVE) brings every missing instance of
/// a call at IMAGE level, or the whole series at SERIES level when the call names the whole series and most of it is
/// missing (one identifier the PACS answers from its series, not a list of UIDs it looks up one by one). The fetch runs
/// under its own deadline, not the caller's token: a viewer that goes away does not cancel what another viewer waits for,
/// and what arrives is cached for the next one.
/// </summary>
public sealed class InstanceFetcher(InstanceCache cache, IPacsInstanceSource pacs, IOptionsMonitor<ViewingSettings> settings, ILogger<InstanceFetcher> logger)
{
    // PS3.4 C.4.2.2.1: a list of unique keys at the retrieve level; the retrieval workers send 200 per identifier too.
    private const int UidsPerIdentifier = 200;

    private readonly ConcurrentDictionary<(Guid Node, string Sop), TaskCompletionSource<string>> _inFlight = new();

    /// <summary>How many retrieves this process started (a test's view of "fetched once").</summary>
    public int Retrieves => _retrieves;

    private int _retrieves;

    /// <summary>The file of the instance being fetched from <paramref name="node"/> now (by any caller), or null when none is.</summary>
    public Task<string>? InFlight(Guid node, string sopInstanceUid) =>
        _inFlight.TryGetValue((node, sopInstanceUid), out var fetching) ? fetching.Task : null;

    /// <summary>The cached files of <paramref name="instances"/>, fetching the missing ones; in the order asked.</summary>
    public async Task<IReadOnlyList<string>> GetAsync(DicomNode node, IReadOnlyList<InstanceKey> instances, CancellationToken cancellationToken) =>
        await Task.WhenAll(Start(node, instances)).WaitAsync(cancellationToken);

    /// <summary>
    /// Starts fetching the missing ones of <paramref name="instances"/> and gives one task a file, in the order asked, each
    /// complete the moment its file is in the cache (or failed with the retrieve): a caller can serve the first while the
    /// PACS still sends the rest. <paramref name="wholeSeries"/>: the instances are every instance of one series, as the
    /// PACS's C-FIND named them; when at least half of them are missing, the series is retrieved at SERIES level (an
    /// instance cached already, or stored in the PACS after its C-FIND, comes again and is dropped).
    /// </summary>
    public IReadOnlyList<Task<string>> Start(DicomNode node, IReadOnlyList<InstanceKey> instances, bool wholeSeries = false)
    {
        var waits = new Task<string>[instances.Count];
        var mine = new List<(InstanceKey Key, TaskCompletionSource<string> Done)>();
        for (var i = 0; i < instances.Count; i++)
        {
            var instance = instances[i];
            if (cache.TryGet(node.Id, instance.SopInstanceUid) is { } cached)
            {
                waits[i] = Task.FromResult(cached);
                continue;
            }

            var claim = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var owner = _inFlight.GetOrAdd((node.Id, instance.SopInstanceUid), claim);
            if (ReferenceEquals(owner, claim))
            {
                // Another fetch may have finished between the look-up and the claim.
                if (cache.TryGet(node.Id, instance.SopInstanceUid) is { } late)
                {
                    _inFlight.TryRemove(new KeyValuePair<(Guid, string), TaskCompletionSource<string>>((node.Id, instance.SopInstanceUid), claim));
                    claim.SetResult(late);
                }
                else
                {
                    mine.Add((instance, claim));
                }
            }

            waits[i] = owner.Task;
        }

        if (mine.Count > 0)
        {
            List<string>? seriesSopClasses = null;
            if (wholeSeries && mine.Count * 2 >= instances.Count && OneSeries(instances))
            {
                var classes = instances.Select(i => i.SopClassUid).Distinct(StringComparer.Ordinal).ToList();
                seriesSopClasses = classes.Count <= pacs.MaxSopClassesPerRetrieve ? classes : null;
            }

            _ = FetchAsync(node, mine, seriesSopClasses);
        }

        return waits;
    }

    /// <summary>Whether all of <paramref name="instances"/> belong to one series.</summary>
    private static bool OneSeries(IReadOnlyList<InstanceKey> instances) =>
        instances.All(i => i.StudyUid == instances[0].StudyUid && i.SeriesUid == instances[0].SeriesUid);

    /// <summary>
    /// Retrieves <paramref name="claims"/>: at SERIES level when <paramref name="seriesSopClasses"/> is given (every SOP
    /// class of the series: the claims are most of one series), otherwise at IMAGE level by their UIDs.
    /// </summary>
    private async Task FetchAsync(DicomNode node, List<(InstanceKey Key, TaskCompletionSource<string> Done)> claims, IReadOnlyList<string>? seriesSopClasses)
    {
        Interlocked.Increment(ref _retrieves);
        var timeout = settings.CurrentValue.PacsTimeout;
        using var deadline = new CancellationTokenSource(timeout);
        var pending = claims.ToDictionary(c => c.Key.SopInstanceUid, c => c.Done, StringComparer.Ordinal);
        var sink = new CacheSink(cache, node.Id, pending);
        Exception? failure = null;
        try
        {
            if (seriesSopClasses is not null)
            {
                var keys = new DicomDataset();
                keys.SetString(DicomTag.QueryRetrieveLevel, "SERIES");
                keys.SetString(DicomTag.StudyInstanceUID, claims[0].Key.StudyUid);
                keys.SetString(DicomTag.SeriesInstanceUID, claims[0].Key.SeriesUid);
                var final = await pacs.RetrieveAsync(node, keys, seriesSopClasses, sink, deadline.Token);
                failure = Refused(node, final, claims);
                return;
            }

            foreach (var group in claims.GroupBy(c => c.Key.SopClassUid, StringComparer.Ordinal).Chunk(pacs.MaxSopClassesPerRetrieve))
            {
                var sopClasses = group.Select(g => g.Key).ToList();
                foreach (var series in group.SelectMany(g => g).GroupBy(c => (c.Key.StudyUid, c.Key.SeriesUid)))
                {
                    foreach (var chunk in series.Chunk(UidsPerIdentifier))
                    {
                        var keys = new DicomDataset();
                        keys.SetString(DicomTag.QueryRetrieveLevel, "IMAGE");
                        keys.SetString(DicomTag.StudyInstanceUID, series.Key.StudyUid);
                        keys.SetString(DicomTag.SeriesInstanceUID, series.Key.SeriesUid);
                        keys.SetStrings(DicomTag.SOPInstanceUID, chunk.Select(c => c.Key.SopInstanceUid).ToArray());
                        var final = await pacs.RetrieveAsync(node, keys, sopClasses, sink, deadline.Token);
                        failure = Refused(node, final, chunk) ?? failure;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            failure = new PacsTimeoutException($"{PacsGateway.Describe(node)} did not send the images within {timeout.TotalSeconds:0} s.");
        }
        catch (PacsUnavailableException error)
        {
            failure = error;
        }
        catch (Exception error)
        {
            logger.LogError(error, "Fetching {Count} instances from {Node} for viewing failed", claims.Count, node.Label);
            failure = new PacsUnavailableException($"{PacsGateway.Describe(node)}: the retrieve failed ({error.Message}).", error);
        }
        finally
        {
            foreach (var (key, done) in claims)
            {
                _inFlight.TryRemove(new KeyValuePair<(Guid, string), TaskCompletionSource<string>>((node.Id, key.SopInstanceUid), done));
                done.TrySetException(failure ?? new InstanceNotSentException(
                    $"{PacsGateway.Describe(node)} did not send instance {key.SopInstanceUid} although its {(node.IsDicomWeb ? "QIDO-RS search" : "C-FIND")} named it."));
            }
        }
    }

    /// <summary>The failure of a retrieve that ended in an error with some of <paramref name="claims"/> not delivered; null otherwise.</summary>
    private static PacsUnavailableException? Refused(
        DicomNode node, RetrieveProgress? final, IEnumerable<(InstanceKey Key, TaskCompletionSource<string> Done)> claims) =>
        final is { Status: var status } && !status.IsSuccessOrWarning && claims.Any(c => !c.Done.Task.IsCompleted)
            ? new PacsUnavailableException($"{PacsGateway.Describe(node)} ended the retrieve with status {status}{(final.ErrorComment is { } comment ? $" ({comment})" : "")}.")
            : null;

    /// <summary>Takes what the retrieve delivers: the instances asked for go into the cache; anything else is read and dropped.</summary>
    private sealed class CacheSink(InstanceCache cache, Guid nodeId, Dictionary<string, TaskCompletionSource<string>> pending) : IDicomStoreProvider
    {
        public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
        {
            if (!pending.TryGetValue(instance.SopInstanceUid, out var done))
            {
                await instance.DataSet.CopyToAsync(Stream.Null, cancellationToken);
                return DimseStatus.Success;
            }

            try
            {
                done.TrySetResult(await cache.StoreAsync(nodeId, instance, cancellationToken));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                done.TrySetException(new PacsUnavailableException($"The viewing cache could not store an instance: {error.Message}", error));
                throw;
            }

            return DimseStatus.Success;
        }
    }
}
