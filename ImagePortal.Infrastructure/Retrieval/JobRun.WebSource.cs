using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// A DICOMweb source: asked by QIDO-RS what <c>JobRun.SourceQuery</c> asks by C-FIND (<see cref="WebSourceQuery"/>), and
/// retrieved by WADO-RS (PS3.18 §10.4) where <c>JobRun.Transfer</c> would C-GET: each part of the multipart answer is
/// handed to the same intake as a C-STORE sub-operation (<see cref="StoreAsync"/>), streamed into the spool.
/// </summary>
internal sealed partial class JobRun
{
    private DicomWebClient? _webSource;

    /// <summary>The source's query service: an association for C-FIND with a DIMSE node, QIDO-RS with a DICOMweb node.</summary>
    private async Task<ISourceQuery> OpenQueryAsync(DicomNode node, CancellationToken cancellationToken) =>
        node.IsDicomWeb
            ? new WebSourceQuery(WebSource(node))
            : new DimseSourceQuery(node, await OpenAsync(node, [new PresentationContextRequest(DicomNetworkUids.StudyRootFind, QuerySyntaxes)], cancellationToken));

    private DicomWebClient WebSource(DicomNode node) => _webSource ??= services.WebNodes.ClientFor(node);

    /// <summary>
    /// WADO-RS for each identifier <see cref="Identifiers"/> made, as a C-GET would take it (<see cref="WadoRetrieve"/>): a
    /// whole study, or the listed instances of a series one by one (what a retry still misses). An answer that breaks off,
    /// is malformed or refused fails the attempt (retried, asking only for what is still missing); what was spooled before
    /// stays imported. A full spool stops the retrieve; the rest waits for the next attempt.
    /// </summary>
    private async Task WadoAsync(DicomNode node, IReadOnlyList<DicomDataset> identifiers, CancellationToken cancellationToken)
    {
        var client = WebSource(node);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            foreach (var identifier in identifiers)
            {
                await WadoRetrieve.RetrieveAsync(client, identifier, (part, ct) => IntakeAsync(node, part, stop, ct), stop.Token);
            }
        }
        catch (OperationCanceledException) when (_spoolFull && !cancellationToken.IsCancellationRequested)
        {
            // RetrieveFromAsync reports the full spool.
        }
        catch (Exception error) when (CredentialsRefused(node, error) is { } refused)
        {
            throw refused;
        }
        catch (Exception error) when (error is DicomWebException || error is IOException { InnerException: DicomWebException })
        {
            RetrieveProblem($" ({error.Message})");
            throw new RetrievalTransientException(error.Message, error);
        }
    }

    /// <summary>
    /// A DICOMweb source that refuses the portal's credentials (401, 403) refuses them again on every retry: the request
    /// fails at once, as with a STOW-RS destination, naming the node whose credentials an administrator must correct.
    /// </summary>
    private RetrievalPermanentException? CredentialsRefused(DicomNode node, Exception error)
    {
        var web = error as DicomWebException ?? (error as IOException)?.InnerException as DicomWebException;
        return node.IsDicomWeb && web is { RefusedCredentials: true }
            ? new RetrievalPermanentException(web.CredentialsToCorrect($"{node.Name}, the DICOMweb node of {_source.Code}"))
            : null;
    }

    private async Task IntakeAsync(DicomNode node, DicomWebPart part, CancellationTokenSource stop, CancellationToken cancellationToken)
    {
        Touch();
        ReceivedInstance instance;
        try
        {
            instance = await WadoRetrieve.ReadAsync(part, node.Name, cancellationToken);
        }
        catch (InvalidDataException error)
        {
            // Which instance it was cannot be told: it stays missing, and the next attempt asks for it again by UID.
            await WadoRetrieve.SkipAsync(part, cancellationToken);
            RetrieveProblem($" (part {part.Index + 1} of an answer of {PacsGateway.Describe(node)} is not a DICOM file: {Printable(error.Message, 200)})");
            services.Logger.LogWarning("Job {JobId}: {Problem}", Lease.JobId, _lastRetrieveProblem.Trim(' ', '(', ')'));
            return;
        }

        await StoreAsync(instance, cancellationToken);
        if (_spoolFull)
        {
            await stop.CancelAsync();
        }
    }
}
