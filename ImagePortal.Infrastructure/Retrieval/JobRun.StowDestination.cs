using System.Net;
using System.Threading.Channels;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Infrastructure.DicomWeb;
using Microsoft.Extensions.Logging;

namespace ImagePortal.Infrastructure.Retrieval;

internal sealed partial class JobRun
{
    /// <summary>
    /// A DICOMweb import destination: the queued instances go by STOW-RS (PS3.18 §10.5) in batches of the client's
    /// <see cref="DicomWebOptions.StowBatchSize"/> (and at most <see cref="RetrievalOptions.StowBatchBytes"/>), each batch
    /// one multipart request streamed from the spool files (the File Meta Information written before each reconciled
    /// data set, nothing gathered in memory), in the syntax the instance was received in: STOW-RS negotiates nothing, so a destination that refuses a syntax fails that instance.
    /// Each instance's outcome in the answer is recorded as a C-STORE's is; a batch that fails as a whole ends the
    /// transfer, and the next attempt sends only what the ledger lacks.
    /// </summary>
    private sealed class StowDestination(JobRun run, DicomWebClient client, long batchBytes) : IImportDestination
    {
        /// <summary>How long a batch that is not full waits for the source to deliver more before it is sent.</summary>
        internal static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(200);

        private int BatchSize => Math.Max(1, client.Node.StowBatchSize);

        public async Task StoreAllAsync(CancellationToken cancellationToken)
        {
            var reader = run._toStore!.Reader;
            var batch = new List<SpooledInstance>(BatchSize);
            try
            {
                while (await reader.WaitToReadAsync(cancellationToken))
                {
                    await FillAsync(reader, batch, cancellationToken);
                    if (batch.Count > 0)
                    {
                        await SendAsync(batch, cancellationToken);
                    }

                    batch.Clear();
                }
            }
            catch
            {
                foreach (var item in batch)
                {
                    run.DiscardInBackground(item);
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    await run.AbandonQueueAsync();
                }

                throw;
            }
        }

        /// <summary>Takes what the queue holds, up to a batch; waits up to <see cref="Linger"/> for more while it is not full.</summary>
        private async Task FillAsync(ChannelReader<SpooledInstance> reader, List<SpooledInstance> batch, CancellationToken cancellationToken)
        {
            long bytes = 0;
            while (batch.Count < BatchSize && bytes < batchBytes)
            {
                if (reader.TryRead(out var item))
                {
                    batch.Add(item);
                    bytes += item.Bytes;
                    continue;
                }

                using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                linger.CancelAfter(Linger);
                try
                {
                    if (!await reader.WaitToReadAsync(linger.Token))
                    {
                        return;
                    }
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }

        private async Task SendAsync(List<SpooledInstance> batch, CancellationToken cancellationToken)
        {
            var instances = batch.Select(item =>
            {
                var meta = new Part10Header(item.SopClassUid, item.SopInstanceUid, item.TransferSyntaxUid).Encode();
                // The body streams one instance after another, each read as the node accepts what came before: progress.
                return new StowInstance(item.SopClassUid, item.SopInstanceUid, meta.Length + item.Bytes,
                    () => new TouchingStream(new PrefixedStream(meta, item.OpenDataSet()), run.Touch));
            }).ToList();
            var answered = 0;
            try
            {
                await foreach (var outcome in client.StoreAsync(instances, cancellationToken: cancellationToken))
                {
                    var item = batch[answered++];
                    if (!string.Equals(item.SopInstanceUid, outcome.SopInstanceUid, StringComparison.Ordinal))
                    {
                        throw new InvalidOperationException($"STOW-RS outcome for {outcome.SopInstanceUid} where {item.SopInstanceUid} was expected.");
                    }

                    Record(item, outcome);
                }
            }
            catch (DicomWebException error)
            {
                Refused(batch.Skip(answered).ToList(), error);
            }
            finally
            {
                run.Touch();
            }

            foreach (var item in batch)
            {
                run.DiscardInBackground(item);
            }
        }

        private void Record(SpooledInstance item, StowOutcome outcome)
        {
            switch (outcome.Status)
            {
                case StowStatus.Stored:
                    run.Record(item, null);
                    break;
                case StowStatus.StoredWithWarning:
                    run.RecordWarning(item, outcome.Reason ?? "a warning without a reason");
                    break;
                case StowStatus.Failed:
                    run.Record(item, $"{run.DestinationName} refused it: {outcome.Reason}");
                    break;
                default:
                    run.Record(item, $"{run.DestinationName} did not confirm it ({outcome.Reason}), so it is not counted as imported");
                    break;
            }
        }

        /// <summary>
        /// A batch failed as a whole. A transient failure (5xx after the client's retries, a timeout, a lost connection) or
        /// a refusal only an administrator can mend (credentials, address) ends the transfer; any other refusal of the
        /// request (400, 413, an answer that cannot be read) fails the batch's instances with it, and the others go on.
        /// </summary>
        private void Refused(List<SpooledInstance> unanswered, DicomWebException error)
        {
            if (error.IsTransient)
            {
                throw new RetrievalTransientException(
                    $"{error.Message} The instances it has not confirmed are sent again on the next attempt.", error);
            }

            if (error.RefusedCredentials)
            {
                throw new RetrievalPermanentException(error.CredentialsToCorrect($"{run.DestinationName}, the import destination of {run._requester.Code}"));
            }

            switch (error.StatusCode)
            {
                case HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.UnsupportedMediaType or HttpStatusCode.NotAcceptable:
                case { } status when (int)status is >= 300 and < 400:
                    throw new RetrievalPermanentException(
                        $"{error.Message} An administrator must correct the address of {run.DestinationName}, the import destination of {run._requester.Code}.");
            }

            run.Logger.LogWarning("Job {JobId}: a STOW-RS batch of {Count} instance(s) was refused: {Error}", run.Lease.JobId, unanswered.Count, error.Message);
            foreach (var item in unanswered)
            {
                run.Record(item, error.Message);
            }
        }

        public Task CloseAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
