using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The portal with its DICOMweb service, and one Orthanc standing in for both SBR's PACS (the approver's) and NVH's (the
/// clerk's import destination). It holds a synthetic CT study (2 series × 3 images), three files of the pydicom corpus
/// (native multi-frame, RLE two-frame, JPEG-LS) and two more studies; the requests:
/// <list type="bullet">
/// <item><see cref="Approved"/> (NVH → SBR) approved with the CT and the corpus studies; its job's ledger lists the CT's
/// first series only, imported into NVH's PACS;</item>
/// <item><see cref="Other"/> (NVH → SBR) approved with <see cref="OtherStudy"/>;</item>
/// <item><see cref="Open"/> (NVH → SBR) claimed by approver.sbr, not decided: <see cref="LookedUp"/> is found by a look-up.</item>
/// </list>
/// </summary>
public class DicomWebFixture : IAsyncLifetime
{
    public const string Approved = "VIEW-1";
    public const string Other = "VIEW-2";
    public const string Open = "VIEW-3";

    private const string WebPassword = "viewer-web-secret";

    private readonly TempDirectory _files = new("dicomweb");

    public OrthancPeer Orthanc { get; private set; } = null!;

    /// <summary>How SBR's and NVH's nodes reach <see cref="Orthanc"/>: DIMSE here, DICOMweb in <see cref="WebPacsDicomWebFixture"/>.</summary>
    protected virtual NodeProtocol Protocol => NodeProtocol.Dimse;

    /// <summary>How audit records name the PACS the portal fetched from (<see cref="DicomNode.Label"/>).</summary>
    public string PacsLabel => Protocol == NodeProtocol.DicomWeb ? Orthanc.DicomWebRoot.AbsoluteUri : Orthanc.AeTitle;

    public PortalApp App { get; private set; } = null!;

    public SyntheticStudy Study { get; private set; } = null!;

    public SyntheticStudy OtherStudy { get; private set; } = null!;

    public SyntheticStudy LookedUp { get; private set; } = null!;

    /// <summary>rtdose.dcm (implicit VR LE, 15 frames of 32 bits), SC_rgb_rle_2frame.dcm (RLE), MR_small_jpeg_ls_lossless.dcm (JPEG-LS).</summary>
    public IReadOnlyList<string> Corpus { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var web = Protocol == NodeProtocol.DicomWeb;
        Orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = web, BasicAuthentication = web ? (FacilityPacs.User, WebPassword) : null }, cancellationToken);
        Study = SyntheticStudy.Write(_files.Combine("ct"), patientName: "VIEW^CT", patientId: "SBR-7001");
        OtherStudy = SyntheticStudy.Write(_files.Combine("other"), patientName: "OTHER^PATIENT", patientId: "SBR-7002", series: 1, imagesPerSeries: 1);
        LookedUp = SyntheticStudy.Write(_files.Combine("lookup"), patientName: "LOOK^UP", patientId: "SBR-7003", series: 1, imagesPerSeries: 1);
        Corpus = [TestFiles.Require("rtdose.dcm"), TestFiles.Require("SC_rgb_rle_2frame.dcm"), TestFiles.Require("MR_small_jpeg_ls_lossless.dcm")];
        foreach (var study in new[] { Study, OtherStudy, LookedUp })
        {
            await study.UploadToAsync(Orthanc, cancellationToken);
        }

        foreach (var file in Corpus)
        {
            await Orthanc.UploadAsync(await File.ReadAllBytesAsync(file, cancellationToken), cancellationToken);
        }

        App = new PortalApp(startServer: false, new Dictionary<string, string?> { ["Viewing:PacsTimeout"] = "00:00:10" });
        await App.InitializeAsync();
        await App.InScopeAsync(async provider =>
        {
            await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync(cancellationToken);
            await FacilityPacs.PointAsync(db, provider, "SBR", Orthanc, Protocol, web ? WebPassword : null, cancellationToken);
            var nvhNode = await FacilityPacs.PointAsync(db, provider, "NVH", Orthanc, Protocol, web ? WebPassword : null, cancellationToken);
            var facilities = await ApprovedJobs.FacilitiesAsync(db, cancellationToken);
            var now = DateTimeOffset.UtcNow;
            var corpusStudies = Corpus.Select(f => ImagePortal.Dicom.Data.DicomFile.Open(f).Dataset.GetUid(ImagePortal.Dicom.Data.DicomTag.StudyInstanceUID)!);
            var approved = Approve(db, facilities, Approved, [Study.StudyInstanceUid, .. corpusStudies], Study.Patient, now);
            Approve(db, facilities, Other, [OtherStudy.StudyInstanceUid], OtherStudy.Patient, now);
            var open = ImageRequest.Submit(Open, facilities.Nvh, facilities.Sbr, new PatientDetails("Look", "Up", new DateOnly(1970, 1, 1), PatientSex.Male, null, "NVH-7003"),
                new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine, now.AddDays(1), "clerk", now);
            var approver = await db.Users.SingleAsync(u => u.UserName == DemoUsers.ApproverSbr.UserName, cancellationToken);
            open.Claim(approver.Id, now);
            db.ImageRequests.Add(open);

            var job = RetrievalJob.For(approved, now);
            db.RetrievalJobs.Add(job);
            var firstSeries = Study.SopInstanceUids.Take(3);
            foreach (var sop in firstSeries)
            {
                db.ImportedInstances.Add(new ImportedInstance(job.Id, nvhNode, Study.StudyInstanceUid, sop, 1000, now));
            }

            return await db.SaveChangesAsync(cancellationToken);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Orthanc.DisposeAsync();
        _files.Dispose();
    }

    /// <summary>A client of the portal signed in as <paramref name="user"/> (its cookie kept).</summary>
    public async Task<HttpClient> SignedInAsync((string UserName, string Password) user)
    {
        var client = App.CreateClient();
        using var signIn = await PortalHttp.SignInAsync(client, user.UserName, user.Password, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signIn.StatusCode);
        return client;
    }

    public Task<T> DbAsync<T>(Func<ImagePortalDbContext, Task<T>> work) => App.InScopeAsync(async provider =>
    {
        await using var db = await provider.GetRequiredService<IDbContextFactory<ImagePortalDbContext>>().CreateDbContextAsync();
        return await work(db);
    });

    /// <summary>Security alerts recorded for <paramref name="userName"/> that name <paramref name="mentioned"/>.</summary>
    public Task<int> SecurityAlertsAsync(string userName, string mentioned) => DbAsync(db => db.AuditEvents.CountAsync(
        e => e.Type == AuditEventType.SecurityAlert && e.UserName == userName && (e.Description.Contains(mentioned) || e.ObjectReference == mentioned),
        TestContext.Current.CancellationToken));

    /// <summary>The portal answers <paramref name="url"/> "not found" and records one more security alert naming <paramref name="mentioned"/>.</summary>
    public async Task AssertNotFoundAndAlertedAsync(HttpClient client, string url, string userName, string mentioned)
    {
        var before = await SecurityAlertsAsync(userName, mentioned);
        using var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(before + 1, await SecurityAlertsAsync(userName, mentioned));
    }

    /// <summary>Points a facility's one node at a PACS (C-FIND and C-GET); returns its id.</summary>
    public static async Task<Guid> PointAtAsync(ImagePortalDbContext db, string facility, string aeTitle, int port, CancellationToken cancellationToken)
    {
        var found = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == facility, cancellationToken);
        var node = found.Nodes.Single();
        found.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, DicomCapabilities.All, false);
        return node.Id;
    }

    /// <summary>A request of NVH approved by SBR with <paramref name="studies"/>, added to <paramref name="db"/>.</summary>
    public static ImageRequest Approve(
        ImagePortalDbContext db, (Guid Nvh, Guid Sbr) facilities, string number, IEnumerable<string> studies, SourcePatient patient, DateTimeOffset now)
    {
        var request = ImageRequest.Submit(
            number, facilities.Nvh, facilities.Sbr, new PatientDetails("View", null, null, PatientSex.Unknown, null, "NVH-" + number),
            new RequestScope([], null, null, null, null), "Compare", RequestPriority.Routine, now.AddDays(1), "clerk", now);
        request.Claim("approver", now);
        request.Approve("approver", [.. studies.Select(uid => new RequestedStudy(uid, null, "CT", null, null, null, patient))], now);
        db.ImageRequests.Add(request);
        return request;
    }
}
