using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// When a retrieval lists a study's instances one by one (SERIES and IMAGE-level C-FIND): only where the transfer did not
/// bring the study whole by the source's own count, and what a listing finds missing is asked for again, exactly once.
/// The source is our own SCP (its queries and retrieves counted); the destination a real Orthanc.
/// </summary>
public sealed class RetrievalListingTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    /// <summary>Retrieval:MaxAttempts of <see cref="RetrievalFixture"/>.</summary>
    private const int MaxAttempts = 3;

    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFirstAttempt_ThatBringsEveryInstanceTheSourceCounts_DoesNotListThemOneByOne()
    {
        // A source pays for every listing (Orthanc: 56 ms of CPU for a 300-instance series at IMAGE level, 4 ms for the
        // STUDY-level query): a study that arrived whole by the source's own count needs none.
        await using var run = await RetrieveAsync(7000, series: 2, imagesPerSeries: 3, new ListingBehaviour());
        var (destination, source, study, request, job) = run;

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(0, job.Attempts);
        Assert.Equal(0, source.ImageQueries);
        Assert.Equal(1, source.Retrieves);
        Assert.Equal(study.SopInstanceUids.Count, Assert.Single(job.Studies).ExpectedInstances);
        Assert.Equal(study.SopInstanceUids.Count, job.DoneInstances);
    }

    [Fact]
    public async Task AStudyTheSourceSendsShortOfItsOwnCount_IsListed_AndWhatItLeftOutIsAskedForInTheSameAttempt_ExactlyOnce()
    {
        // The source's first retrieve ends with success but leaves one instance out without naming it as failed: only the
        // count tells, the listing then names the missing instance, and the same attempt asks for it alone (not a retry
        // after a backoff, which took a minute and more with the default backoff).
        await using var run = await RetrieveAsync(7050, series: 2, imagesPerSeries: 3, new ListingBehaviour { LeaveOutOfFirstRetrieve = 4 });
        var (destination, source, study, request, job) = run;

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(0, job.Attempts);
        Assert.Equal(2, source.ImageQueries); // one per series after the transfer
        Assert.Equal(2, source.Retrieves); // the study, then the instance it left out
        Assert.Equal(study.SopInstanceUids[4], Assert.Single(source.AskedByUid));
        Assert.Equal(study.SopInstanceUids.Count, job.DoneInstances);
        Assert.Equal(study.SopInstanceUids.Order(), (await run.LedgerAsync()).Order());
    }

    [Fact]
    public async Task AnInstanceTheSourceNeverSendsNorNames_IsAskedForOnceAnAttempt_ThenFailsNamed_AndTheRestIsImported()
    {
        // A source that lists an instance and never sends it, each retrieve ending in success: every attempt asks for it by
        // UID once after its transfer (a second silence ends the attempt), until the attempts are spent.
        await using var run = await RetrieveAsync(7070, series: 1, imagesPerSeries: 4, new ListingBehaviour { NeverSends = 2 });
        var (destination, source, study, request, job) = run;

        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        Assert.Equal(MaxAttempts - 1, job.Attempts); // the retries it was put back in the queue for
        Assert.Contains($"Gave up after {MaxAttempts} attempt(s)", job.LastError);
        // Per attempt two retrieves: the first attempt's of the whole study, a retry's of what its listing finds missing;
        // then once more by UID after the silence.
        Assert.Equal(2 * MaxAttempts, source.Retrieves);
        Assert.Equal(Enumerable.Repeat(study.SopInstanceUids[2], 2 * MaxAttempts - 1), source.AskedByUid);
        Assert.Equal(study.SopInstanceUids.Where((_, i) => i != 2).Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var failed = await run.FailedAsync();
        Assert.Equal(study.SopInstanceUids[2], Assert.Single(failed).SopInstanceUid);
        Assert.Equal("not delivered by the source", failed[0].Reason);
    }

    [Fact]
    public async Task AListedInstanceThatArrivesAsAnotherPatient_IsQuarantined_NotAskedForAgain()
    {
        // It would only be quarantined again: it fails with the quarantine's reason, in the first attempt, and the rest
        // of the study is imported.
        await using var run = await RetrieveAsync(7080, series: 1, imagesPerSeries: 4, new ListingBehaviour { SendsAsAnotherPatient = 1 });
        var (destination, source, study, request, job) = run;

        Assert.True(request.Status == RequestStatus.PartiallyCompleted, RetrievalSteps.Timeline(request));
        Assert.Equal(0, job.Attempts);
        Assert.Equal(1, source.Retrieves);
        Assert.Equal(study.SopInstanceUids.Where((_, i) => i != 1).Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var quarantined = await fixture.DbAsync(db => db.QuarantinedInstances.Where(q => q.RequestId == request.Id).Select(q => q.SopInstanceUid).ToListAsync(Ct));
        Assert.Equal(study.SopInstanceUids[1], Assert.Single(quarantined));
        var failed = await run.FailedAsync();
        Assert.StartsWith("quarantined: ", Assert.Single(failed).Reason);
    }

    [Fact]
    public async Task AStudyWhoseSourceDoesNotCountItsInstances_IsListedAfterItsTransfer()
    {
        await using var run = await RetrieveAsync(7060, series: 2, imagesPerSeries: 3, new ListingBehaviour { CountsInstances = false });
        var (destination, source, study, request, job) = run;

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(0, job.Attempts);
        Assert.Equal(2, source.ImageQueries);
        Assert.Equal(1, source.Retrieves);
        Assert.Equal(study.SopInstanceUids.Count, Assert.Single(job.Studies).ExpectedInstances);
    }

    [Fact]
    public async Task AListingThatFailsAfterAShortTransfer_FailsTheAttempt_AndTheRetryImportsTheRest_ExactlyOnce()
    {
        await using var run = await RetrieveAsync(7100, series: 1, imagesPerSeries: 8, new ListingBehaviour { LeaveOutOfFirstRetrieve = 5, FailFirstListing = true });
        var (destination, source, study, request, job) = run;

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(1, job.Attempts);
        Assert.Equal(2, source.ImageQueries); // the failed one and the retry's
        Assert.Equal(2, source.Retrieves); // the study, then on the retry the instance it left out
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        Assert.Equal(study.SopInstanceUids.Order(), (await run.LedgerAsync()).Order());
        Assert.Equal(study.SopInstanceUids.Count, job.DoneInstances);
    }

    /// <summary>SBR's PACS is our own SCP serving a generated study through a <see cref="ListingArchive"/>; NVH's is an empty Orthanc.</summary>
    private async Task<ListingPeers> ListingSourceAsync(TempDirectory files, string patientId, int series, int imagesPerSeries, ListingBehaviour behaviour)
    {
        var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: patientId, series: series, imagesPerSeries: imagesPerSeries);
        string? stranger = null;
        if (behaviour.SendsAsAnotherPatient is { } position)
        {
            // The same SOP Instance UID, sent with another Patient ID than the study's own (and the listing's).
            var file = DicomFile.Open(study.Files[position]);
            var dataset = file.Dataset.Clone();
            dataset.SetString(DicomTag.PatientID, patientId + "-OTHER");
            stranger = files.Combine("stranger.dcm");
            DicomFile.Create(dataset, file.TransferSyntax).Save(stranger);
        }

        var archive = new ListingArchive(new TestArchive(study.Files) { AnswersStudyContents = true, CountsInstances = behaviour.CountsInstances }, behaviour,
            study.SopInstanceUids, stranger);
        var scp = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: archive, get: archive);
        var peers = new ListingPeers(destination, scp, archive, study);
        await _steps.PointNodeAsync("SBR", "SBR_PACS", scp.Port, DicomCapabilities.All);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.DicomPort, DicomCapabilities.All);
        return peers;
    }

    /// <summary>
    /// A study of patient SBR-<paramref name="patient"/> at a source that behaves as <paramref name="behaviour"/> says,
    /// filed for NVH's MRN-<paramref name="patient"/>, approved, and retrieved to its end (60 s at most).
    /// </summary>
    private async Task<ListingRun> RetrieveAsync(int patient, int series, int imagesPerSeries, ListingBehaviour behaviour)
    {
        var files = new TempDirectory($"retrieve-{patient}");
        ListingPeers? peers = null;
        try
        {
            peers = await ListingSourceAsync(files, $"SBR-{patient}", series, imagesPerSeries, behaviour);
            var number = await _steps.FileAndApproveAsync($"MRN-{patient}", peers.Study);
            var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));
            var job = await fixture.DbAsync(db => db.RetrievalJobs.Include(j => j.Studies).SingleAsync(j => j.RequestId == request.Id, Ct));
            return new ListingRun(fixture, files, peers, request, job);
        }
        catch
        {
            if (peers is not null)
            {
                await peers.DisposeAsync();
            }

            files.Dispose();
            throw;
        }
    }

    /// <summary>A retrieval run to its end, with its peers (stopped, and the files removed, when it is disposed).</summary>
    private sealed class ListingRun(RetrievalFixture fixture, TempDirectory files, ListingPeers peers, ImageRequest request, RetrievalJob job) : IAsyncDisposable
    {
        public void Deconstruct(out OrthancPeer destination, out ListingArchive source, out SyntheticStudy study, out ImageRequest finished, out RetrievalJob itsJob) =>
            (destination, source, study, finished, itsJob) = (peers.Destination, peers.Archive, peers.Study, request, job);

        /// <summary>The SOP Instance UIDs of the job's import ledger.</summary>
        public Task<List<string>> LedgerAsync() =>
            fixture.DbAsync(db => db.ImportedInstances.Where(i => i.JobId == job.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct));

        public Task<List<FailedInstance>> FailedAsync() => fixture.DbAsync(db => db.FailedInstances.Where(f => f.JobId == job.Id).ToListAsync(Ct));

        public async ValueTask DisposeAsync()
        {
            await peers.DisposeAsync();
            files.Dispose();
        }
    }

    private sealed record ListingPeers(OrthancPeer Destination, TestScp Source, ListingArchive Archive, SyntheticStudy Study) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Source.DisposeAsync();
            await Destination.DisposeAsync();
        }
    }

    /// <param name="CountsInstances">Whether the study-level answer says how many instances the study has.</param>
    /// <param name="LeaveOutOfFirstRetrieve">The position of an instance the first retrieve leaves out (its sub-operations still all succeed).</param>
    /// <param name="FailFirstListing">Whether the first image-level C-FIND fails (C000).</param>
    /// <param name="NeverSends">The position of an instance that no retrieve sends (their sub-operations still all succeed).</param>
    /// <param name="SendsAsAnotherPatient">The position of an instance that every retrieve sends with another Patient ID.</param>
    private sealed record ListingBehaviour(bool CountsInstances = true, int? LeaveOutOfFirstRetrieve = null, bool FailFirstListing = false, int? NeverSends = null,
        int? SendsAsAnotherPatient = null);

    /// <summary>A source that counts its image-level C-FINDs and its retrieves, and misbehaves as its <see cref="ListingBehaviour"/> says.</summary>
    private sealed class ListingArchive(TestArchive archive, ListingBehaviour behaviour, IReadOnlyList<string> uids, string? stranger)
        : ImagePortal.Dicom.Network.Server.IDicomFindProvider, ImagePortal.Dicom.Network.Server.IDicomGetProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _askedByUid = new();
        private int _imageQueries;
        private int _retrieves;

        /// <summary>The SOP Instance UIDs of each IMAGE-level retrieve, in order.</summary>
        public IReadOnlyList<string> AskedByUid => [.. _askedByUid];

        public int ImageQueries => Volatile.Read(ref _imageQueries);

        public int Retrieves => Volatile.Read(ref _retrieves);

        public async IAsyncEnumerable<byte[]> FindAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (request.ParseIdentifier().GetString(DicomTag.QueryRetrieveLevel) == "IMAGE" && Interlocked.Increment(ref _imageQueries) == 1 && behaviour.FailFirstListing)
            {
                throw new InvalidOperationException("The archive's database is busy.");
            }

            await foreach (var match in archive.FindAsync(request, cancellationToken))
            {
                yield return match;
            }
        }

        public async Task<IReadOnlyList<ImagePortal.Dicom.Network.Server.RetrieveInstance>> ResolveAsync(ImagePortal.Dicom.Network.Server.QueryRequest request, CancellationToken cancellationToken)
        {
            var identifier = request.ParseIdentifier();
            if (identifier.GetString(DicomTag.QueryRetrieveLevel) == "IMAGE")
            {
                foreach (var uid in identifier.GetStrings(DicomTag.SOPInstanceUID))
                {
                    _askedByUid.Enqueue(uid);
                }
            }

            var instances = await archive.ResolveAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _retrieves) == 1 && behaviour.LeaveOutOfFirstRetrieve is { } left)
            {
                instances = [.. instances.Where((_, index) => index != left)];
            }

            return [.. instances
                .Where(i => behaviour.NeverSends is not { } never || i.SopInstanceUid != uids[never])
                .Select(i => behaviour.SendsAsAnotherPatient is { } other && i.SopInstanceUid == uids[other] && stranger is { } path
                    ? i with { OpenDataSet = ct => TestArchive.OpenDataSetAsync(path, ct) }
                    : i)];
        }
    }
}
