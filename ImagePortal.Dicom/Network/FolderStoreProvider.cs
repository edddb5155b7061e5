using ImagePortal.Dicom.Network.Dimse;

namespace ImagePortal.Dicom.Network;

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
