using System.Runtime.CompilerServices;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network.Client;

/// <summary>A C-FIND response with its identifier decoded (null on the final response).</summary>
public sealed record FindResult(DimseStatus Status, DicomDataset? Identifier, string? ErrorComment);

public sealed partial class DicomClientAssociation
{
    /// <summary>
    /// PS3.4 C.4.1 C-FIND with <paramref name="identifier"/> (the keys, with (0008,0052) Query/Retrieve
    /// Level) encoded in the negotiated transfer syntax; yields each match, then the final status.
    /// </summary>
    public async IAsyncEnumerable<FindResult> FindAsync(string sopClassUid, DicomDataset identifier, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var syntax = TransferSyntaxFor(sopClassUid);
        await foreach (var response in FindAsync(sopClassUid, DimseDataSet.Encode(identifier, syntax), cancellationToken).ConfigureAwait(false))
        {
            yield return new FindResult(response.Status, DimseDataSet.Decode(response.DataSet, syntax), response.ErrorComment);
        }
    }

    /// <summary>PS3.4 C.4.2 C-MOVE of what <paramref name="identifier"/> names, to <paramref name="destinationAeTitle"/>.</summary>
    public IAsyncEnumerable<RetrieveProgress> MoveAsync(string sopClassUid, string destinationAeTitle, DicomDataset identifier, CancellationToken cancellationToken = default) =>
        MoveAsync(sopClassUid, destinationAeTitle, DimseDataSet.Encode(identifier, TransferSyntaxFor(sopClassUid)), cancellationToken);

    /// <summary>PS3.4 C.4.3 C-GET of what <paramref name="identifier"/> names, each instance handed to <paramref name="sink"/>.</summary>
    public IAsyncEnumerable<RetrieveProgress> GetAsync(string sopClassUid, DicomDataset identifier, IDicomStoreProvider sink, CancellationToken cancellationToken = default) =>
        GetAsync(sopClassUid, DimseDataSet.Encode(identifier, TransferSyntaxFor(sopClassUid)), sink, cancellationToken);

    private DicomTransferSyntax TransferSyntaxFor(string sopClassUid) =>
        DicomTransferSyntax.Lookup(RequireContext(sopClassUid, null).TransferSyntax);
}
