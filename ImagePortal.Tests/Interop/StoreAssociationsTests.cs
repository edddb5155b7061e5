using System.Collections.Concurrent;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Dimse;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// <c>Retrieval:StoreAssociations</c>: a job keeps several C-STOREs in flight toward the destination, one per association.
/// The further associations are a help, never a condition: a destination that refuses one, does not serve it (DCMTK's
/// single-process storescp serves one association at a time) or drops it mid-transfer still gets every instance, and the
/// ledger holds each exactly once.
/// </summary>
public sealed class StoreAssociationsTests(TwoStoreAssociationsFixture fixture) : IClassFixture<TwoStoreAssociationsFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoCStoresAreInFlight_AndWhenTheDestinationDropsOneAssociation_TheOtherStoresTheRest()
    {
        using var files = new TempDirectory("store-lanes-drop");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6300", series: 1, imagesPerSeries: 16);
        var gate = new SecondInFlightDrops();
        await using var destination = TestScp.Start(o => o.AeTitle = "NVH_PACS", wrapStore: store => gate.Wrap(store));
        var stored = StoredUids(destination);
        await using var source = await ServeAsync(study);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-6300", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.Equal(2, gate.MostInFlight);
        Assert.Equal(1, gate.Dropped);
        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), stored.Distinct().Order());
        await AssertLedgerOnceAsync(request, study);
    }

    [Fact]
    public async Task ADestinationThatRefusesASecondAssociation_GetsEveryInstanceOverTheFirst()
    {
        using var files = new TempDirectory("store-lanes-refuse");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6400", series: 1, imagesPerSeries: 8);
        var refusals = 0;
        await using var destination = TestScp.Start(o =>
        {
            o.AeTitle = "NVH_PACS";
            o.MaxConnectionsPerAddress = 1;
            o.OnAssociationRefused = _ => Interlocked.Increment(ref refusals);
        });
        var stored = StoredUids(destination);
        await using var source = await ServeAsync(study);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-6400", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.True(Volatile.Read(ref refusals) >= 1, "the destination never refused a second association");
        Assert.Equal(study.SopInstanceUids.Order(), stored.Distinct().Order());
        await AssertLedgerOnceAsync(request, study);
    }

    [Fact]
    public async Task ASingleProcessDcmtkStorescp_ThatServesOneAssociationAtATime_GetsEveryInstance()
    {
        using var files = new TempDirectory("store-lanes-dcmtk");
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6500", series: 1, imagesPerSeries: 8);
        await using var destination = await DcmtkStoreScp.StartAsync("NVH_PACS", cancellationToken: Ct);
        await using var source = await ServeAsync(study);
        await _steps.PointNodeAsync("NVH", "NVH_PACS", destination.Port, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-6500", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        await destination.WaitForFilesAsync(study.SopInstanceUids.Count, TimeSpan.FromSeconds(10), Ct);
        Assert.Equal(study.SopInstanceUids.Count, destination.ReceivedFiles.Count);
        await AssertLedgerOnceAsync(request, study);
    }

    /// <summary>The SOP Instance UIDs <paramref name="destination"/> stores, as it stores them.</summary>
    private static ConcurrentBag<string> StoredUids(TestScp destination)
    {
        var stored = new ConcurrentBag<string>();
        destination.StoreProvider.Stored += (_, instance) => stored.Add(instance.SopInstanceUid);
        return stored;
    }

    /// <summary>SBR's PACS is our own SCP serving the study (C-FIND, C-GET).</summary>
    private async Task<TestScp> ServeAsync(SyntheticStudy study)
    {
        var archive = new TestArchive(study.Files) { AnswersStudyContents = true };
        var source = TestScp.Start(o => o.AeTitle = "SBR_PACS", find: archive, get: archive);
        await _steps.PointNodeAsync("SBR", "SBR_PACS", source.Port, DicomCapabilities.All);
        return source;
    }

    private async Task AssertLedgerOnceAsync(ImageRequest request, SyntheticStudy study)
    {
        var ledger = await fixture.DbAsync(async db =>
        {
            var job = await db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct);
            Assert.Equal(RetrievalJobState.Succeeded, job.State);
            return await db.ImportedInstances.Where(i => i.JobId == job.Id).Select(i => i.SopInstanceUid).ToListAsync(Ct);
        });
        Assert.Equal(study.SopInstanceUids.Order(), ledger.Order());
    }

    /// <summary>
    /// A destination's store that holds its first C-STORE until a second one is in flight beside it (at most 30 s, so
    /// that one C-STORE at a time fails the test instead of hanging it), then drops the second one's association.
    /// </summary>
    private sealed class SecondInFlightDrops
    {
        private readonly TaskCompletionSource _second = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _mostInFlight;
        private int _dropped;

        public int MostInFlight => Volatile.Read(ref _mostInFlight);

        public int Dropped => Volatile.Read(ref _dropped);

        public IDicomStoreProvider Wrap(IDicomStoreProvider inner) => new Provider(this, inner);

        private sealed class Provider(SecondInFlightDrops gate, IDicomStoreProvider inner) : IDicomStoreProvider
        {
            public async Task<DimseStatus> StoreAsync(ReceivedInstance instance, CancellationToken cancellationToken)
            {
                var now = Interlocked.Increment(ref gate._inFlight);
                try
                {
                    InterlockedMax(ref gate._mostInFlight, now);
                    if (now >= 2 && Interlocked.CompareExchange(ref gate._dropped, 1, 0) == 0)
                    {
                        gate._second.TrySetResult();
                        throw new DicomAssociationAbortedException("The test destination drops this association.");
                    }

                    if (Volatile.Read(ref gate._dropped) == 0)
                    {
                        await gate._second.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ContinueWith(_ => { }, CancellationToken.None);
                    }

                    return await inner.StoreAsync(instance, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref gate._inFlight);
                }
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            var seen = Volatile.Read(ref target);
            while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var before && before != seen)
            {
                seen = before;
            }
        }
    }
}
