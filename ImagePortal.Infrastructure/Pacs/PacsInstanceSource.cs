using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Retrieval;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Pacs;

/// <summary>
/// What the viewer asks of a facility's own PACS: Study Root C-FIND at any level, and the retrieval of chosen instances
/// as the retrieval workers do it (C-GET on the association, or C-MOVE to the portal's Storage SCP where the PACS offers
/// no C-GET and this process runs that SCP). A DICOMweb node is asked the same by QIDO-RS and WADO-RS
/// (<see cref="QidoSearch"/>, <see cref="WadoRetrieve"/>).
/// </summary>
public interface IPacsInstanceSource
{
    /// <summary>The SOP classes one retrieve can propose every storage syntax for; callers group larger sets.</summary>
    int MaxSopClassesPerRetrieve { get; }

    /// <summary>The matches of <paramref name="keys"/> (with (0008,0052) set), at most <paramref name="cap"/>.</summary>
    Task<IReadOnlyList<DicomDataset>> FindAsync(DicomNode node, DicomDataset keys, int cap, CancellationToken cancellationToken);

    /// <summary>Retrieves what <paramref name="identifier"/> names into <paramref name="sink"/>; returns the final response.</summary>
    Task<RetrieveProgress?> RetrieveAsync(
        DicomNode node, DicomDataset identifier, IReadOnlyCollection<string> sopClasses, IDicomStoreProvider sink, CancellationToken cancellationToken);
}

public sealed class PacsInstanceSource(
    IOptionsMonitor<PortalDicomOptions> options, IPortalDicomSettings portal, IServiceProvider services, ILoggerFactory loggers,
    DicomNetworkMetrics metrics, DicomWebNodes webNodes) : IPacsInstanceSource
{
    private static readonly string[] QuerySyntaxes = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    public int MaxSopClassesPerRetrieve => StoragePlan.ClassesPerAssociation;

    public async Task<IReadOnlyList<DicomDataset>> FindAsync(DicomNode node, DicomDataset keys, int cap, CancellationToken cancellationToken)
    {
        if (node.IsDicomWeb)
        {
            return await WebAsync(async () => await QidoSearch.FindAsync(webNodes.ClientFor(node), keys, cap, cancellationToken).ToListAsync(cancellationToken));
        }

        await using var association = await OpenAsync(node, [new PresentationContextRequest(DicomNetworkUids.StudyRootFind, QuerySyntaxes)], cancellationToken);
        var matches = new List<DicomDataset>();
        try
        {
            await foreach (var response in association.FindAsync(DicomNetworkUids.StudyRootFind, keys, cancellationToken))
            {
                if (response.Status.IsPending && response.Identifier is { } identifier)
                {
                    if (matches.Count == cap)
                    {
                        // Leaving the enumeration early cancels the C-FIND; the association is not reused.
                        await association.AbortAsync();
                        return matches;
                    }

                    matches.Add(identifier);
                }
                else if (!response.Status.IsPending && !response.Status.IsSuccessOrWarning)
                {
                    throw new PacsUnavailableException(
                        $"{PacsGateway.Describe(node)} refused the query: status {response.Status}{(response.ErrorComment is { } c ? $" ({c})" : "")}.");
                }
            }

            await association.ReleaseAsync(cancellationToken);
            return matches;
        }
        catch (Exception error) when (PacsGateway.Readable(node, error) is { } readable && !ReferenceEquals(readable, error))
        {
            throw readable;
        }
    }

    public async Task<RetrieveProgress?> RetrieveAsync(
        DicomNode node, DicomDataset identifier, IReadOnlyCollection<string> sopClasses, IDicomStoreProvider sink, CancellationToken cancellationToken)
    {
        if (node.IsDicomWeb)
        {
            return await WebAsync(() => RetrieveByWadoAsync(node, identifier, sink, cancellationToken));
        }

        try
        {
            if (node.Supports(DicomCapabilities.Get))
            {
                List<PresentationContextRequest> contexts = [new(DicomNetworkUids.StudyRootGet, QuerySyntaxes), .. StoragePlan.Proposals(sopClasses, role: true)];
                await using var association = await OpenAsync(node, contexts, cancellationToken);
                var last = await LastAsync(association.GetAsync(DicomNetworkUids.StudyRootGet, identifier, sink, cancellationToken));
                await association.ReleaseAsync(cancellationToken);
                return last;
            }

            // The portal's Storage SCP runs only in the worker role; a web node has nowhere to receive a C-MOVE.
            var router = services.GetService<MoveRouter>()
                ?? throw new PacsUnavailableException($"{PacsGateway.Describe(node)} offers no C-GET, and this portal node runs no Storage SCP to receive a C-MOVE.");
            var destination = (await portal.GetAsync(cancellationToken)).AeTitle;
            await using var route = await router.RouteAsync(node.AeTitleValue, sink, cancellationToken);
            await using var moving = await OpenAsync(node, [new PresentationContextRequest(DicomNetworkUids.StudyRootMove, QuerySyntaxes)], cancellationToken);
            var final = await LastAsync(moving.MoveAsync(DicomNetworkUids.StudyRootMove, destination, identifier, cancellationToken));
            await moving.ReleaseAsync(cancellationToken);
            return final;
        }
        catch (Exception error) when (PacsGateway.Readable(node, error) is { } readable && !ReferenceEquals(readable, error))
        {
            throw readable;
        }
    }

    /// <summary>WADO-RS into <paramref name="sink"/>; a part that is not DICOM is skipped (its instance is then reported as not sent).</summary>
    private async Task<RetrieveProgress?> RetrieveByWadoAsync(DicomNode node, DicomDataset identifier, IDicomStoreProvider sink, CancellationToken cancellationToken)
    {
        var (completed, failed) = (0, 0);
        await WadoRetrieve.RetrieveAsync(webNodes.ClientFor(node), identifier, async (part, ct) =>
        {
            ReceivedInstance instance;
            try
            {
                instance = await WadoRetrieve.ReadAsync(part, node.Name, ct);
            }
            catch (InvalidDataException)
            {
                await WadoRetrieve.SkipAsync(part, ct);
                failed++;
                return;
            }

            if ((await sink.StoreAsync(instance, ct)).IsSuccessOrWarning)
            {
                completed++;
            }
            else
            {
                failed++;
            }
        }, cancellationToken);
        return new RetrieveProgress(failed == 0 ? DimseStatus.Success : DimseStatus.SubOperationsCompleteWithFailures, 0, (ushort)Math.Min(completed, ushort.MaxValue),
            (ushort)Math.Min(failed, ushort.MaxValue), 0, null);
    }

    private static async Task<T> WebAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception error) when (error is DicomWebException || error is IOException { InnerException: DicomWebException })
        {
            throw new PacsUnavailableException(error.Message, error);
        }
    }

    private static async Task<RetrieveProgress?> LastAsync(IAsyncEnumerable<RetrieveProgress> responses)
    {
        RetrieveProgress? last = null;
        await foreach (var progress in responses)
        {
            last = progress;
        }

        return last;
    }

    private async Task<DicomClientAssociation> OpenAsync(DicomNode node, IReadOnlyList<PresentationContextRequest> contexts, CancellationToken cancellationToken)
    {
        var identity = await portal.GetAsync(cancellationToken);
        var client = new DicomClient(node.Host, node.Port, DicomTlsFiles.AssociationFor(node, identity, options.CurrentValue), loggers, metrics);
        try
        {
            return await client.OpenAsync(contexts, cancellationToken);
        }
        catch (Exception error) when (PacsGateway.Readable(node, error) is { } readable)
        {
            throw readable;
        }
    }
}
