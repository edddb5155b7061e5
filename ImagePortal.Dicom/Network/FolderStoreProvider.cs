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
        await ReceivedFile.WriteNewAsync(instance, partial, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(partial, final);
        }
        catch
        {
            ReceivedFile.TryDelete(partial);
            throw;
        }

        Stored?.Invoke(final, instance);
        return DimseStatus.Success;
    }
}
