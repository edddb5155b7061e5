namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>
/// An instance received, checked and reconciled in the spool, waiting for its C-STORE: the reconciled data set up to
/// Pixel Data (<see cref="Header"/> in memory, or in the file <see cref="HeaderPath"/> when it is large), then the
/// received file from <see cref="RestOffset"/> on (Pixel Data and what follows), never parsed or rewritten.
/// <see cref="SpooledBytes"/> is what its files hold on disk, <see cref="Bytes"/> what is sent.
/// </summary>
internal sealed record SpooledInstance(
    string Path, byte[]? Header, string? HeaderPath, long RestOffset, string StudyUid, string SopClassUid, string SopInstanceUid, string TransferSyntaxUid,
    long SpooledBytes, long Bytes)
{
    public Stream OpenDataSet() => new SpooledDataSetStream(Header, HeaderPath, Path, RestOffset);
}
