namespace ImagePortal.Dicom.Network;

/// <summary>
/// A received instance written to disk as a Part 10 file, the one way the folder store and the archive do it: always a new
/// file under a name the caller generated (never a UID from the peer), removed again when the transfer fails.
/// </summary>
internal static class ReceivedFile
{
    /// <summary>Writes the meta header and streams the data set; on failure the partial file is deleted and the error rethrown.</summary>
    public static async Task WriteNewAsync(ReceivedInstance instance, string path, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await file.WriteAsync(instance.Header.Encode(instance.CallingAeTitle), cancellationToken).ConfigureAwait(false);
            await instance.DataSet.CopyToAsync(file, 1 << 16, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Peer aborted or the connection dropped mid-transfer: no partial file is left behind.
            TryDelete(path);
            throw;
        }
    }

    /// <summary>Deletes a file if it can; a file that is gone or locked is left to the next clean-up.</summary>
    public static void TryDelete(string path)
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
