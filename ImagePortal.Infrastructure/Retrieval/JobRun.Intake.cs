using System.Diagnostics;
using System.Threading.Channels;
using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Notifications;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Audit;
using ImagePortal.Infrastructure.Pacs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

/// <summary>Each instance as it arrives: checked against the approved study and patient, reconciled, spooled, queued for the destination; or quarantined, or failed alone.</summary>
internal sealed partial class JobRun
{
    /// <summary>What the check and the reconciliation need: everything before Pixel Data.</summary>
    private static readonly DicomReaderOptions HeaderOnly = new() { StopAtTag = DicomTag.PixelData };

    /// <summary>The largest header (as received) a queued instance keeps in memory: at most this times <c>StoreQueueLength</c> per job.</summary>
    internal const int HeaderInMemory = 256 * 1024;

    /// <summary>
    /// Each received instance (C-GET sub-operation or routed C-MOVE sub-operation): skip what is done, spool within the
    /// limit, check it belongs to the request, reconcile it, queue it for the destination. One poison instance (an
    /// invalid UID, data that cannot be read or rewritten) fails that instance with its reason and a failure status
    /// to the source, which goes on with the rest of the study; nothing about it may end the association or the job.
    /// </summary>
    public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
    {
        Touch();
        if (!DicomUid.IsValid(instance.SopInstanceUid))
        {
            await DrainAsync(instance);
            var shown = Printable(instance.SopInstanceUid);
            Fail(shown, _tallies.Keys.First(), $"{Printable(instance.CallingAeTitle)} sent an instance with an invalid SOP Instance UID '{shown}': skipped");
            return DimseStatus.UnableToProcess;
        }

        if (_done.ContainsKey(instance.SopInstanceUid))
        {
            await instance.DataSet.CopyToAsync(Stream.Null, cancellationToken);
            return DimseStatus.Success;
        }

        string? studyUid = null;
        try
        {
            return await ReceiveAsync(instance, study => studyUid = study, cancellationToken);
        }
        catch (Exception error) when (error is not (OperationCanceledException or IOException) || error is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A broken connection or a full disk (IOException) is not the instance's fault: the attempt fails and is retried.
            await DrainAsync(instance);
            var reason = $"{Printable(instance.CallingAeTitle)} sent instance {instance.SopInstanceUid} that could not be imported " +
                         $"({Printable(error.Message, 300)}): skipped";
            services.Logger.LogWarning(error, "Job {JobId}: {Reason}", Lease.JobId, reason);
            Fail(instance.SopInstanceUid, studyUid ?? _tallies.Keys.First(), reason);
            return DimseStatus.UnableToProcess;
        }
    }

    private async Task<DimseStatus> ReceiveAsync(ReceivedInstance instance, Action<string> studyOf, CancellationToken cancellationToken)
    {
        var path = SpoolPath();
        long bytes;
        try
        {
            bytes = await SpoolAsync(instance, path, cancellationToken);
        }
        catch (SpoolFullException)
        {
            _spoolFull = true;
            return DimseStatus.RefusedOutOfResources;
        }

        var queued = false;
        try
        {
            DicomFile file;
            try
            {
                // The header only: pixel data stays in the spool file, is checked by nobody and sent as it came.
                file = DicomFile.Open(path, HeaderOnly);
                if (file.StoppedAtOffset is null && file.TransferSyntax.IsDeflated)
                {
                    file = DicomFile.Open(path);
                }
            }
            catch (DicomFormatException error)
            {
                Fail(instance.SopInstanceUid, _tallies.Keys.First(), $"not valid DICOM ({error.Message})");
                return DimseStatus.UnableToProcess;
            }

            var studyUid = file.Dataset.GetString(DicomTag.StudyInstanceUID);
            if (studyUid is not null && _tallies.ContainsKey(studyUid))
            {
                studyOf(studyUid);
            }

            var patientId = file.Dataset.GetString(DicomTag.PatientID) ?? string.Empty;
            var issuer = file.Dataset.GetString(DicomTag.IssuerOfPatientID);
            var problem = PatientMatch.ProblemWith(
                instance.SopInstanceUid, file.Dataset.GetString(DicomTag.SOPInstanceUID), studyUid, patientId, issuer, _approvedStudies, _approvedPatients);
            if (problem is not null)
            {
                // The quarantine takes the spool file over, whatever happens after.
                queued = true;
                await QuarantineAsync(instance, path, bytes, studyUid, patientId, problem, cancellationToken);
                return DimseStatus.Success;
            }

            if (InstanceReconciler.Apply(file.Dataset, _plan).AccessionKept is { } kept)
            {
                _accessionsKept.TryAdd(kept, 0);
            }

            var spooled = WriteReconciledHeader(file, path, bytes, studyUid!, instance);
            queued = true;
            try
            {
                await _toStore!.Writer.WriteAsync(spooled, cancellationToken);
            }
            catch (ChannelClosedException)
            {
                // The destination went away and the retrieve is being cancelled: sub-operations still on their way
                // are refused and leave nothing in the spool.
                Discard(spooled);
                return DimseStatus.RefusedOutOfResources;
            }

            return DimseStatus.Success;
        }
        finally
        {
            if (!queued)
            {
                TryDelete(path + ".head");
                Discard(path, bytes);
            }
        }
    }

    /// <summary>Reads what is left of a refused instance's data set, so that the association can go on.</summary>
    private static async Task DrainAsync(ReceivedInstance instance)
    {
        try
        {
            await instance.DataSet.CopyToAsync(Stream.Null, CancellationToken.None);
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or NotSupportedException)
        {
            // Already read to its end, or closed: nothing left to skip.
        }
    }

    /// <summary>A value from the network as it may be shown: printable ASCII only, at most <paramref name="max"/> characters.</summary>
    private static string Printable(string? value, int max = 64)
    {
        var text = new string((value ?? string.Empty).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return text.Length <= max ? text : text[..max] + "...";
    }

    /// <summary>
    /// Encodes the reconciled data set up to Pixel Data in the instance's own transfer syntax. The rest (from the Pixel
    /// Data tag, or nothing when the header holds the whole data set) is sent from the spool file as received:
    /// reconciling a CT slice writes a few kilobytes, not the slice. A header of up to <see cref="HeaderInMemory"/> bytes
    /// as received is kept in memory (a second file per instance cost the worker more, in creating and deleting it, than
    /// the bytes it holds); a larger one (a structured report or an RT structure set is all header) goes to a file beside.
    /// </summary>
    private SpooledInstance WriteReconciledHeader(DicomFile file, string path, long bytes, string studyUid, ReceivedInstance instance)
    {
        var restOffset = file.StoppedAtOffset ?? bytes;
        if (restOffset <= HeaderInMemory)
        {
            var encoded = new MemoryStream((int)restOffset + 1024);
            DicomWriter.WriteDataset(encoded, file.Dataset, file.TransferSyntax);
            var header = encoded.ToArray();
            return new SpooledInstance(path, header, null, restOffset, studyUid, instance.SopClassUid, instance.SopInstanceUid, instance.TransferSyntaxUid,
                bytes, header.Length + (bytes - restOffset));
        }

        var headerPath = path + ".head";
        long headerBytes;
        using (var written = new FileStream(headerPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 14))
        {
            DicomWriter.WriteDataset(written, file.Dataset, file.TransferSyntax);
            headerBytes = written.Length;
        }

        Interlocked.Add(ref _spooled, headerBytes);
        services.Spool.Adjust(headerBytes);
        return new SpooledInstance(path, null, headerPath, restOffset, studyUid, instance.SopClassUid, instance.SopInstanceUid, instance.TransferSyntaxUid,
            bytes + headerBytes, headerBytes + (bytes - restOffset));
    }

    private async Task QuarantineAsync(ReceivedInstance instance, string path, long bytes, string? studyUid, string patientId, string problem, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _quarantined);
        _quarantinedUids[instance.SopInstanceUid] = problem;
        var now = services.Clock.GetUtcNow();
        var text = $"Quarantined instance {instance.SopInstanceUid} from {instance.CallingAeTitle}: {problem}. It was not imported.";
        await using var scope = services.Scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<IAuditTrail>();
        await using (var db = await services.DbFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.QuarantinedInstances.AnyAsync(q => q.JobId == Lease.JobId && q.SopInstanceUid == instance.SopInstanceUid, cancellationToken))
            {
                // A retry of this job met it again: it is already held and was raised once; no second copy or alert.
                Discard(path, bytes);
                return;
            }

            var fileName = Guid.NewGuid().ToString("N") + ".dcm";
            Directory.CreateDirectory(services.Spool.QuarantineDirectory);
            File.Move(path, Path.Combine(services.Spool.QuarantineDirectory, fileName));
            services.Spool.Adjust(-bytes);
            Interlocked.Add(ref _spooled, -bytes);
            db.QuarantinedInstances.Add(new QuarantinedInstance(Lease.JobId, _request.Id, instance.SopInstanceUid, studyUid, patientId, problem, fileName, bytes, now, instance.CallingAeTitle));
            var request = await db.ImageRequests.Include(r => r.Events).SingleAsync(r => r.Id == _request.Id, cancellationToken);
            request.RecordSecurityAlert(text.Length <= 1000 ? text : text[..1000], now);
            audit.Stage(db,
                new AuditEntry(AuditEventType.SecurityAlert, AuditAction.Execute, AuditOutcome.SeriousFailure, $"Request {_request.Number}: {text}",
                    _request.Patient.LocalMrn, _request.Number),
                null, WorkerName, null, null);
            await db.SaveChangesAsync(cancellationToken);
            await audit.SealStagedAsync(cancellationToken);
            await services.Observer.RequestChangedAsync(request, RequestEventKind.SecurityAlert, cancellationToken);
        }

        services.Logger.LogWarning("Job {JobId}: {Alert}", Lease.JobId, text);
    }
}
