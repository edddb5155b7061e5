using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>A STOW-RS batch ends at <c>Retrieval:StowBatchBytes</c> as well as at its count, so that a body of large instances is sent within the client's timeout.</summary>
public sealed class StowBatchBytesTests(StowBatchBytesFixture fixture) : IClassFixture<StowBatchBytesFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstancesLargerThanTheBatchBytes_GoOneARequest_AndAllAreImported()
    {
        using var files = new TempDirectory("stow-batch-bytes");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5601", series: 1, imagesPerSeries: 4);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await WebImportDestination.PointNvhAtAsync(fixture, stub.Root, password: null);

        var number = await _steps.FileAndApproveAsync("MRN-5601", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids.Order(), stub.Stored.Keys.Order());
        Assert.Equal(study.SopInstanceUids.Count, stub.Batches.Count);
        Assert.All(stub.Batches, b => Assert.Single(b));
    }
}
