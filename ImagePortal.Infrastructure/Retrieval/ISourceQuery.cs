using ImagePortal.Dicom.Data;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// Where a retrieval asks what the source holds: Study Root C-FIND identifiers (PS3.4 C.6.2) answered over a DIMSE
/// association (<see cref="DimseSourceQuery"/>) or by QIDO-RS (<see cref="WebSourceQuery"/>), so that finding the
/// approved studies and listing their instances is one piece of code for every kind of source.
/// </summary>
internal interface ISourceQuery : IAsyncDisposable
{
    /// <summary>Every match of <paramref name="keys"/>; a refusal is a <see cref="RetrievalTransientException"/>.</summary>
    Task<List<DicomDataset>> FindAsync(DicomDataset keys, CancellationToken cancellationToken);

    /// <summary>Done asking: a DIMSE association is released (an idle one would meet the source's idle timeout).</summary>
    Task ReleaseAsync(CancellationToken cancellationToken);
}
