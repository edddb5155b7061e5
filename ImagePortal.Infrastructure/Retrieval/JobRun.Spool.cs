using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Dicom.Network.Pdu;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>The job's spool folder within the process's spool budget.</summary>
internal sealed partial class JobRun
{
    private async Task<long> SpoolAsync(ReceivedInstance instance, string path, CancellationToken cancellationToken)
    {
        long written = 0;
        try
        {
            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            var header = instance.Header.Encode(instance.CallingAeTitle);
            Reserve(header.Length);
            written += header.Length;
            await file.WriteAsync(header, cancellationToken);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await instance.DataSet.ReadAsync(buffer, cancellationToken)) > 0)
            {
                Reserve(read);
                written += read;
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            return written;
        }
        catch
        {
            Discard(path, written);
            if (instance.DataSet.CanRead)
            {
                await instance.DataSet.CopyToAsync(Stream.Null, CancellationToken.None);
            }

            throw;
        }
    }

    private void Reserve(long bytes)
    {
        if (!services.Spool.TryReserve(bytes))
        {
            throw new SpoolFullException();
        }

        Interlocked.Add(ref _spooled, bytes);
    }

    private void DiscardInBackground(SpooledInstance item)
    {
        var discard = Task.Run(() => Discard(item), CancellationToken.None);
        lock (_discards)
        {
            _discards.RemoveAll(t => t.IsCompleted);
            _discards.Add(discard);
        }
    }

    private void Discard(SpooledInstance item)
    {
        TryDelete(item.HeaderPath);
        Discard(item.Path, item.SpooledBytes);
    }

    private void Discard(string path, long bytes)
    {
        TryDelete(path);
        services.Spool.Adjust(-bytes);
        Interlocked.Add(ref _spooled, -bytes);
    }

    public void CleanSpool()
    {
        Task[] pending;
        lock (_discards)
        {
            pending = [.. _discards];
            _discards.Clear();
        }

        Task.WaitAll(pending);
        if (_folder.Length == 0 || !Directory.Exists(_folder))
        {
            return;
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        services.Spool.Adjust(-Interlocked.Exchange(ref _spooled, 0));
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

    private sealed class SpoolFullException : Exception;
}
