using ImagePortal.Dicom.Data;
using ImagePortal.Infrastructure.DicomWeb;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The same identifiers asked by QIDO-RS (<see cref="QidoSearch"/>); there is no association to release.</summary>
internal sealed class WebSourceQuery(DicomWebClient client) : ISourceQuery
{
    public async Task<List<DicomDataset>> FindAsync(DicomDataset keys, CancellationToken cancellationToken)
    {
        var matches = new List<DicomDataset>();
        await foreach (var match in QidoSearch.FindAsync(client, keys, limit: null, cancellationToken))
        {
            matches.Add(match);
        }

        return matches;
    }

    public Task ReleaseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
