using ImagePortal.Dicom.Data;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Retrieval;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The spool on the way from the source to the destination: a received instance's reconciled header is kept in memory
/// when it is small (a CT slice's few kilobytes) and in a file beside the spool file when it is not, and a job reuses
/// its emptied spool files for the next instances. Either way every byte arrives, and the spool ends empty, its budget
/// back at zero.
/// </summary>
public sealed class SpoolRetrievalTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private static readonly DicomTag PrivateCreator = new(0x0009, 0x0010);
    private static readonly DicomTag PrivateBlob = new(0x0009, 0x1010);

    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstancesWithSmallAndLargeHeaders_ArriveWhole_AndTheSpoolEndsEmpty()
    {
        using var files = new TempDirectory("retrieve-spool");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6100", series: 1, imagesPerSeries: 12);
        // Two instances with a private value before Pixel Data that makes their header larger than what is kept in memory.
        var blob = new byte[JobRun.HeaderInMemory + 4096];
        Random.Shared.NextBytes(blob);
        var large = study.Files.Take(2).ToList();
        foreach (var path in large)
        {
            var file = DicomFile.Open(path);
            file.Dataset.SetString(PrivateCreator, DicomVR.LO, "IMAGEPORTAL TEST");
            file.Dataset.SetBytes(PrivateBlob, DicomVR.OB, blob);
            file.Save(path);
        }

        await study.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-6100", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Completed, request.Status);
        Assert.Equal(study.SopInstanceUids.Order(), (await destination.InstanceUidsAsync(Ct)).Order());
        var sourceIds = await OrthancIdsAsync(source);
        var largeUids = large.Select(p => DicomFile.Open(p).Dataset.GetString(DicomTag.SOPInstanceUID)).ToHashSet();
        foreach (var (sop, id) in await OrthancIdsAsync(destination))
        {
            var tags = await destination.GetJsonAsync($"instances/{id}/tags?simplify", Ct);
            Assert.Equal("MRN-6100", tags.GetProperty("PatientID").GetString());
            Assert.Equal(
                await source.Http.GetByteArrayAsync($"instances/{sourceIds[sop]}/content/7fe0-0010", Ct),
                await destination.Http.GetByteArrayAsync($"instances/{id}/content/7fe0-0010", Ct));
            if (largeUids.Contains(sop))
            {
                Assert.Equal(blob, await destination.Http.GetByteArrayAsync($"instances/{id}/content/0009-1010", Ct));
            }
        }

        var spool = fixture.Services.GetRequiredService<SpoolBudget>();
        await Poll.UntilAsync(() => Task.FromResult(!Directory.EnumerateFiles(spool.Directory, "*", SearchOption.AllDirectories).Any() && spool.Used == 0),
            TimeSpan.FromSeconds(10), () => Task.FromResult($"spool: {spool.Used} bytes counted, files {string.Join(", ", Directory.EnumerateFiles(spool.Directory, "*", SearchOption.AllDirectories))}"));
    }

    private static async Task<Dictionary<string, string>> OrthancIdsAsync(OrthancPeer orthanc)
    {
        var instances = await orthanc.GetJsonAsync("instances?expand", Ct);
        return instances.EnumerateArray().ToDictionary(
            i => i.GetProperty("MainDicomTags").GetProperty("SOPInstanceUID").GetString()!,
            i => i.GetProperty("ID").GetString()!);
    }
}

/// <summary>
/// <c>Retrieval:SpoolLimitBytes</c>: an instance that does not fit in the spool is refused in the middle of its data set
/// (out of resources, PS3.4 B.2.3), nothing of it stays in the spool, and the job retries and ends saying why.
/// </summary>
public sealed class FullSpoolRetrievalTests(TinySpoolRetrievalFixture fixture) : IClassFixture<TinySpoolRetrievalFixture>
{
    private readonly RetrievalSteps _steps = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnInstanceLargerThanTheSpool_IsRefused_TheAttemptsEndSayingTheSpoolIsFull_AndTheSpoolEndsEmpty()
    {
        using var files = new TempDirectory("retrieve-spool-full");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_PACS" }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS" }, Ct);
        var study = SyntheticStudy.Write(files.Combine("s"), patientId: "SBR-6200", series: 1, imagesPerSeries: 2);
        await study.UploadToAsync(source, Ct);
        await _steps.PointNodesAsync(source, destination, DicomCapabilities.All);

        var number = await _steps.FileAndApproveAsync("MRN-6200", study);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(60));

        Assert.Equal(RequestStatus.Failed, request.Status);
        var job = await fixture.DbAsync(db => db.RetrievalJobs.AsNoTracking().SingleAsync(j => j.RequestId == request.Id, Ct));
        Assert.Equal(RetrievalJobState.Failed, job.State);
        Assert.Contains("The spool is full (600 bytes)", job.LastError);
        Assert.Empty(await destination.InstanceUidsAsync(Ct));
        var spool = fixture.Services.GetRequiredService<SpoolBudget>();
        await Poll.UntilAsync(() => Task.FromResult(!Directory.EnumerateFiles(spool.Directory, "*", SearchOption.AllDirectories).Any() && spool.Used == 0),
            TimeSpan.FromSeconds(10), () => Task.FromResult($"spool: {spool.Used} bytes counted, files {string.Join(", ", Directory.EnumerateFiles(spool.Directory, "*", SearchOption.AllDirectories))}"));
    }
}
