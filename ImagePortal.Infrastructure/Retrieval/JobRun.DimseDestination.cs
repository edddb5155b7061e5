using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;

namespace ImagePortal.Infrastructure.Retrieval;

internal sealed partial class JobRun
{
    /// <summary>A DIMSE import destination: C-STORE over the association opened for the transfer, and more beside it (<c>JobRun.Destination</c>).</summary>
    private sealed class DimseDestination(JobRun run, DicomClientAssociation association, IReadOnlyList<PresentationContextRequest> proposals) : IImportDestination
    {
        public Task StoreAllAsync(CancellationToken cancellationToken) => run.StoreAllAsync(association, proposals, cancellationToken);

        public async Task CloseAsync(CancellationToken cancellationToken)
        {
            if (association.IsEstablished)
            {
                // Not when it failed and the further associations (StoreAssociations) stored the rest.
                await association.ReleaseAsync(cancellationToken);
            }
        }

        public ValueTask DisposeAsync() => association.DisposeAsync();
    }
}
