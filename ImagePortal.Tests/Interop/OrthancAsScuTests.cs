using ImagePortal.Dicom.Network.Server;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>Orthanc as the SCU of our SCP, driven by its REST API (<c>/modalities/{id}/move</c>).</summary>
public sealed class OrthancAsScuTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OrthancMove_FromOurScp_ToOrthancItself()
    {
        using var files = new TempDirectory("orthancmove");
        var study = SyntheticStudy.Write(files.Path, series: 1, imagesPerSeries: 3);
        var archive = new TestArchive(study.Files);
        await using var scp = TestScp.Start(move: archive);
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { Modalities = [new OrthancModality("portal", scp.AeTitle, scp.Port)] }, Ct);
        archive.AddDestination(new DicomDestination(orthanc.AeTitle, "127.0.0.1", orthanc.DicomPort));

        await orthanc.PostJsonAsync(
            "modalities/portal/move",
            new { Level = "Study", Resources = new[] { new Dictionary<string, string> { ["StudyInstanceUID"] = study.StudyInstanceUid } }, TargetAet = orthanc.AeTitle, Synchronous = true },
            Ct);

        Assert.Equal(study.SopInstanceUids.Order(), (await orthanc.InstanceUidsAsync(Ct)).Order());
    }
}
