using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network;

/// <summary>
/// An instance arriving by C-STORE (to our SCP, or as a C-GET sub-operation to our SCU). The data set
/// is a stream straight off the association, in <see cref="TransferSyntaxUid"/>; read it once, to its end.
/// The UIDs come from the peer and are hostile: never use them to build a path.
/// </summary>
public sealed record ReceivedInstance(
    string SopClassUid,
    string SopInstanceUid,
    string TransferSyntaxUid,
    string CallingAeTitle,
    string CalledAeTitle,
    Stream DataSet)
{
    public Part10Header Header => new(SopClassUid, SopInstanceUid, TransferSyntaxUid);
}

/// <summary>
/// Takes instances received by C-STORE. The storage SCP calls it for each C-STORE-RQ, the C-GET SCU
/// for each sub-operation. Returns the status of the C-STORE-RSP (PS3.4 B.2.3).
/// </summary>
public interface IDicomStoreProvider
{
    Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken);
}

/// <summary>
/// Streams received instances into Part 10 files in one folder, named by a generated id (never by a
/// value from the data set: CVE-2022-2119-style path traversal). Each file is written under a temporary
/// name and renamed when complete, and removed when the transfer fails.
/// </summary>
public sealed class FolderStoreProvider(string folder) : IDicomStoreProvider
{
    public string Folder { get; } = Directory.CreateDirectory(folder).FullName;

    /// <summary>Raised with the final path of each file stored.</summary>
    public event Action<string, ReceivedInstance>? Stored;

    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var partial = Path.Combine(Folder, id + ".partial");
        var final = Path.Combine(Folder, id + ".dcm");
        try
        {
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await file.WriteAsync(instance.Header.Encode(instance.CallingAeTitle), cancellationToken).ConfigureAwait(false);
                await instance.DataSet.CopyToAsync(file, 1 << 16, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, final);
        }
        catch
        {
            // Peer aborted or the connection dropped mid-transfer: no partial file is left behind.
            TryDelete(partial);
            throw;
        }

        Stored?.Invoke(final, instance);
        return DimseStatus.Success;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
