using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// One Orthanc holding two generated studies, and our SCP registered in Orthanc as modality "portal"
/// (the C-MOVE destination and the target of Orthanc's REST store), shared by the tests of this class.
/// </summary>
public sealed class OrthancWithStudiesFixture : IAsyncLifetime
{
    private readonly TempDirectory _files = new("studies");

    public OrthancPeer Orthanc { get; private set; } = null!;

    public TestScp Scp { get; private set; } = null!;

    public SyntheticStudy Latin1Study { get; private set; } = null!;

    public SyntheticStudy OtherStudy { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        Latin1Study = SyntheticStudy.Write(_files.Combine("a"), patientName: "Müller^Jürgen", patientId: "PID-0001", studyDate: "20240115");
        OtherStudy = SyntheticStudy.Write(_files.Combine("b"), patientName: "Smith^John", patientId: "PID-0002", studyDate: "20231105", series: 1, imagesPerSeries: 2);
        Scp = TestScp.Start();
        Orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { Modalities = [new OrthancModality("portal", Scp.AeTitle, Scp.Port)] }, ct);
        await Latin1Study.UploadToAsync(Orthanc, ct);
        await OtherStudy.UploadToAsync(Orthanc, ct);
    }

    public DicomClient Client(string callingAe = "PORTAL") =>
        new("127.0.0.1", Orthanc.DicomPort, new AssociationOptions { CalledAeTitle = Orthanc.AeTitle, CallingAeTitle = callingAe });

    public async ValueTask DisposeAsync()
    {
        if (Orthanc is not null)
        {
            await Orthanc.DisposeAsync();
        }

        if (Scp is not null)
        {
            await Scp.DisposeAsync();
        }

        _files.Dispose();
    }
}
