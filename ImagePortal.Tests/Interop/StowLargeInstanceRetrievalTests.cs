using System.Diagnostics;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// One instance too large to upload within the stall timeout and the DICOMweb attempt timeout (four seconds each here),
/// to a STOW-RS destination that reads it slowly but steadily: the upload is progress, and the instance is imported.
/// </summary>
public sealed class StowLargeInstanceRetrievalTests(SlowStowFixture fixture) : IClassFixture<SlowStowFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneLargeInstance_ReadSlowlyButSteadily_ForLongerThanTheTimeouts_IsImported()
    {
        using var files = new TempDirectory("stow-large");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var stub = await StowStub.StartAsync(Ct);
        // 4500 x 4500 16-bit pixels: 40 MB, read 256 KiB per 50 ms (5 MB/s, about 8 s), far more than the socket buffers
        // on both sides hold (so the last bytes accepted are never more than a second from the answer).
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-5601", series: 1, imagesPerSeries: 1, rows: 4500, columns: 4500);
        await study.UploadToAsync(source, Ct);
        stub.ReadPause = TimeSpan.FromMilliseconds(50);
        await _steps.PointNodeAsync("SBR", source.AeTitle, source.DicomPort, DicomCapabilities.All);
        await WebImportDestination.PointNvhAtAsync(fixture, stub.Root, null);
        var started = Stopwatch.GetTimestamp();

        var number = await _steps.FileAndApproveAsync("MRN-5601", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        Assert.Equal(study.SopInstanceUids, stub.Stored.Keys);
        Assert.Equal(1, stub.Requests);
        Assert.True(Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(6), "the upload was not slower than the timeouts: the test proves nothing");
    }
}
