using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Both ends DICOMweb: a source facility whose archive is Orthanc A's DICOMweb plugin (basic authentication) and a
/// requester whose import destination is Orthanc B's (none). QIDO-RS finds, WADO-RS retrieves, the same intake checks
/// and reconciles, STOW-RS stores (in batches of two): the one pipeline, with neither end speaking DIMSE.
/// </summary>
public sealed class DicomWebToDicomWebRetrievalTests(StowDestinationFixture fixture) : IClassFixture<StowDestinationFixture>
{
    private const string User = "portal";
    private const string Password = "web-to-web-secret";

    private readonly RetrievalSteps _steps = new(fixture);
    private readonly WebSourceSteps _web = new(fixture);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WebSourceToWebDestination_ImportsAnUncompressedAndACompressedStudy_PixelDataIdentical_UnderTheLocalMrn()
    {
        using var files = new TempDirectory("web-to-web");
        await using var source = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "SBR_WEB", DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        await using var destination = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_WEB", DicomWeb = true }, Ct);
        var plain = SyntheticStudy.Write(files.Combine("plain"), patientId: "SBR-9700", series: 2, imagesPerSeries: 3);
        await plain.UploadToAsync(source, Ct);
        var compressed = WebSourceSteps.CompressedStudy(files.Combine("compressed"), "SBR-9700", plain.PatientName);
        foreach (var file in compressed.Files)
        {
            await source.UploadAsync(await File.ReadAllBytesAsync(file, Ct), Ct);
        }

        await _web.PointWebSourceAsync(source.DicomWebRoot, User, Password);
        var node = await WebImportDestination.PointNvhAtAsync(fixture, destination.DicomWebRoot, password: null);

        var number = await _steps.FileAndApproveAsync("MRN-9700",
            [RetrievalSteps.Approval(plain), WebSourceSteps.Approval(compressed.StudyUid, compressed.Files.Count, "SBR-9700", plain.PatientName)]);
        var request = await _steps.WaitForEndAsync(number, TimeSpan.FromSeconds(90));

        Assert.True(request.Status == RequestStatus.Completed, RetrievalSteps.Timeline(request));
        var all = plain.SopInstanceUids.Concat(compressed.SopInstanceUids).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(all, (await destination.InstanceUidsAsync(Ct)).Order(StringComparer.Ordinal));
        var syntaxes = await WebSourceSteps.AssertArrivedAsync(source, destination, "MRN-9700");
        Assert.Contains("1.2.840.10008.1.2.4.90", syntaxes); // JPEG 2000 lossless, as the source holds it
        Assert.Contains("1.2.840.10008.1.2.4.80", syntaxes); // JPEG-LS lossless
        var (job, ledger) = await fixture.DbAsync(async db =>
        {
            var j = await db.RetrievalJobs.SingleAsync(x => x.RequestId == request.Id, Ct);
            return (j, await db.ImportedInstances.Where(i => i.JobId == j.Id).Select(i => new { i.SopInstanceUid, i.DestinationNodeId }).ToListAsync(Ct));
        });
        Assert.Equal(RetrievalJobState.Succeeded, job.State);
        Assert.Equal(all, ledger.Select(l => l.SopInstanceUid).Order(StringComparer.Ordinal));
        Assert.All(ledger, l => Assert.Equal(node, l.DestinationNodeId));
    }
}
