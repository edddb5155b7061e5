namespace ImagePortal.Infrastructure.DicomWeb;

/// <summary>
/// One instance to store by STOW-RS: its identity (to match the answer's Referenced and Failed SOP Sequences) and how
/// to read its Part 10 file. <see cref="Open"/> may be called more than once: a retried request sends the body again.
/// </summary>
public sealed record StowInstance(string SopClassUid, string SopInstanceUid, long Length, Func<Stream> Open)
{
    public static StowInstance FromFile(string sopClassUid, string sopInstanceUid, string path) =>
        new(sopClassUid, sopInstanceUid, new FileInfo(path).Length, () => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.SequentialScan | FileOptions.Asynchronous));
}
