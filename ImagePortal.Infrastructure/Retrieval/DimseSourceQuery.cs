using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Pacs;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Study Root C-FIND on an association with the source (PS3.4 C.6.2).</summary>
internal sealed class DimseSourceQuery(DicomNode node, DicomClientAssociation association) : ISourceQuery
{
    public async Task<List<DicomDataset>> FindAsync(DicomDataset keys, CancellationToken cancellationToken)
    {
        var matches = new List<DicomDataset>();
        await foreach (var response in association.FindAsync(DicomNetworkUids.StudyRootFind, keys, cancellationToken))
        {
            if (response.Status.IsPending && response.Identifier is { } identifier)
            {
                matches.Add(identifier);
            }
            else if (!response.Status.IsSuccessOrWarning && !response.Status.IsPending)
            {
                throw new RetrievalTransientException(
                    $"{PacsGateway.Describe(node)} refused the query: status {response.Status}{(response.ErrorComment is { } c ? $" ({c})" : "")}.");
            }
        }

        return matches;
    }

    public Task ReleaseAsync(CancellationToken cancellationToken) => association.ReleaseAsync(cancellationToken);

    public ValueTask DisposeAsync() => association.DisposeAsync();
}
