using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Infrastructure.Pacs;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// The PACS look-up of a facility whose archive speaks DICOMweb: the same <see cref="StudyQuery"/> asked by QIDO-RS of
/// Orthanc's DICOMweb plugin (with basic authentication) finds the same studies, with the same fields, as asked by
/// C-FIND of the same Orthanc; and the approver's look-up works through it.
/// </summary>
public sealed class DicomWebLookUpTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private const string User = "portal";
    private const string Password = "dicomweb-secret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Qido_FindsTheSameStudies_WithTheSameFields_AsCFind_ForEveryKindOfKey()
    {
        using var files = new TempDirectory("web-lookup");
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        // ASCII names: Orthanc's DICOMweb plugin does not percent-decode a match value, so a name with a non-ASCII letter
        // (or a '^', which a URL must escape) matches nothing by QIDO-RS where its C-FIND finds it.
        var ct = SyntheticStudy.Write(files.Combine("a"), patientName: "Keane^Tomas", patientId: "SBR-1234", studyDate: "20240115", birthDate: "19700101", sex: "M");
        var mr = SyntheticStudy.Write(files.Combine("b"), patientName: "Keane^Tomas", patientId: "SBR-1234", studyDate: "20250302", modality: "MR", series: 1);
        var other = SyntheticStudy.Write(files.Combine("c"), patientName: "Smith^John", patientId: "SBR-9999", studyDate: "20240116");
        foreach (var study in new[] { ct, mr, other })
        {
            await study.UploadToAsync(orthanc, Ct);
        }

        var facility = new Facility("Test", "TST", "Test", "TST-MRN", "Europe/Vienna");
        var dimse = facility.AddNode("dimse", AeTitle.Parse(orthanc.AeTitle), "127.0.0.1", orthanc.DicomPort, DicomCapabilities.All);
        var web = facility.AddWebNode("web", DicomWebEndpoint.Create(orthanc.DicomWebRoot.AbsoluteUri, WebAuthentication.Basic, userName: User), WebSourceSteps.WebServices);
        facility.SetNodeSecret(web.Id, fixture.Services.GetRequiredService<NodeSecretProtector>().Protect(Password));
        var gateway = fixture.Services.GetRequiredService<IPacsGateway>();
        StudyQuery[] queries =
        [
            new("SBR-1234", null, null, null, null, [], null),
            new(null, "Kea*", null, new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), [], null),
            new(null, "Keane*", null, null, null, ["MR"], null),
            new(null, null, null, null, null, [], "ACC9999"),
            new(null, null, null, null, null, [], null, [ct.StudyInstanceUid, other.StudyInstanceUid]),
        ];
        int[] expected = [2, 1, 1, 1, 2];

        for (var i = 0; i < queries.Length; i++)
        {
            var byCFind = await gateway.FindStudiesAsync(dimse, queries[i], Ct);
            var byQido = await gateway.FindStudiesAsync(web, queries[i], Ct);

            Assert.Equal(expected[i], byCFind.Studies.Count);
            Assert.Equal(byCFind.Studies.Select(Same).OrderBy(s => s.StudyInstanceUid), byQido.Studies.Select(Same).OrderBy(s => s.StudyInstanceUid));
            Assert.False(byQido.Truncated);
        }

        var match = (await gateway.FindStudiesAsync(web, queries[0], Ct)).Studies.Single(s => s.StudyInstanceUid == ct.StudyInstanceUid);
        Assert.Equal(("Keane^Tomas", "SBR-1234", new DateOnly(2024, 1, 15), new DateOnly(1970, 1, 1), "CT", "M", ct.SopInstanceUids.Count),
            (match.PatientName, match.PatientId, match.StudyDate, match.BirthDate, match.Modalities, match.PatientSex, match.Instances));
        Assert.True(await gateway.EchoAsync(web, Ct) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Approver_LooksUpThroughADicomWebPacs_AndAWrongPasswordIsAReadableRefusal()
    {
        using var files = new TempDirectory("web-lookup-approver");
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        var study = SyntheticStudy.Write(files.Combine("a"), patientName: "Müller^Jürgen", patientId: "SBR-1234", studyDate: "20240115");
        await study.UploadToAsync(orthanc, Ct);
        var steps = new WebSourceSteps(fixture);
        await steps.PointWebSourceAsync(orthanc.DicomWebRoot, User, Password);
        var number = await FileAndClaimAsync("NVH-W1");

        var found = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1234", null, null, null, null, []));

        Assert.True(found.IsSuccess, found.Failure?.Message);
        var match = Assert.Single(found.Value!.Studies);
        Assert.Equal((study.StudyInstanceUid, "Müller^Jürgen", study.SopInstanceUids.Count), (match.StudyInstanceUid, match.PatientName, match.Instances));
        // Audited as the search it was, naming the service root (a DICOMweb node has no AE title to name).
        var searched = $"QIDO-RS search of {orthanc.DicomWebRoot.AbsoluteUri} for request {number}: 1 match";
        Assert.True(await fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.Query && e.Description.StartsWith(searched), Ct)), searched);

        await steps.PointWebSourceAsync(orthanc.DicomWebRoot, User, "wrong");
        var refused = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1234", null, null, null, null, []));

        Assert.False(refused.IsSuccess);
        Assert.Contains("401", refused.Failure!.Message);
    }

    [Fact]
    public async Task ViewersInstanceSource_ListsByQido_AndRetrievesByWado_EachInstanceAsTheFileHoldsIt()
    {
        using var files = new TempDirectory("web-viewer");
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (User, Password) }, Ct);
        var study = SyntheticStudy.Write(files.Combine("a"), patientName: "Keane^Tomas", patientId: "SBR-4321", series: 1, imagesPerSeries: 3);
        await study.UploadToAsync(orthanc, Ct);
        var facility = new Facility("Test", "TST", "Test", "TST-MRN", "Europe/Vienna");
        var web = facility.AddWebNode("web", DicomWebEndpoint.Create(orthanc.DicomWebRoot.AbsoluteUri, WebAuthentication.Basic, userName: User), WebSourceSteps.WebServices);
        facility.SetNodeSecret(web.Id, fixture.Services.GetRequiredService<NodeSecretProtector>().Protect(Password));
        var source = fixture.Services.GetRequiredService<IPacsInstanceSource>();
        var keys = new ImagePortal.Dicom.Data.DicomDataset();
        keys.SetString(ImagePortal.Dicom.Data.DicomTag.QueryRetrieveLevel, "IMAGE");
        keys.SetString(ImagePortal.Dicom.Data.DicomTag.StudyInstanceUID, study.StudyInstanceUid);
        keys.SetString(ImagePortal.Dicom.Data.DicomTag.SeriesInstanceUID, study.SeriesInstanceUids[0]);
        keys.SetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID, string.Empty);

        var listed = await source.FindAsync(web, keys, cap: 2, Ct);

        Assert.Equal(2, listed.Count);
        var wanted = listed.Select(l => l.GetString(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID)!).ToArray();
        keys.SetStrings(ImagePortal.Dicom.Data.DicomTag.SOPInstanceUID, wanted);
        var sink = new MemorySink();
        var final = await source.RetrieveAsync(web, keys, [SyntheticStudy.CtImageStorage], sink, Ct);

        Assert.True(final!.Status.IsSuccessOrWarning);
        Assert.Equal(wanted.Order(), sink.DataSets.Keys.Order());
        foreach (var (sop, bytes) in sink.DataSets)
        {
            var original = await File.ReadAllBytesAsync(study.Files[study.SopInstanceUids.ToList().IndexOf(sop)], Ct);
            // The data set after the meta group, byte for byte as the file holds it.
            Assert.True(original.AsSpan().EndsWith(bytes), $"instance {sop} differs from its file");
        }
    }

    private sealed class MemorySink : ImagePortal.Dicom.Network.IDicomStoreProvider
    {
        public Dictionary<string, byte[]> DataSets { get; } = new(StringComparer.Ordinal);

        public async Task<ImagePortal.Dicom.Network.Dimse.DimseStatus> StoreAsync(ImagePortal.Dicom.Network.ReceivedInstance instance, CancellationToken cancellationToken)
        {
            using var copy = new MemoryStream();
            await instance.DataSet.CopyToAsync(copy, cancellationToken);
            DataSets[instance.SopInstanceUid] = copy.ToArray();
            return ImagePortal.Dicom.Network.Dimse.DimseStatus.Success;
        }
    }

    /// <summary>
    /// A match with an empty value as no value: C-FIND returns a requested key that the study lacks empty (PS3.4
    /// C.2.2.1.3), QIDO-RS may leave it out; both mean the archive holds nothing for it.
    /// </summary>
    private static StudyMatch Same(StudyMatch match) => match with
    {
        PatientName = NullIfEmpty(match.PatientName),
        PatientId = NullIfEmpty(match.PatientId),
        Description = NullIfEmpty(match.Description),
        AccessionNumber = NullIfEmpty(match.AccessionNumber),
        PatientSex = NullIfEmpty(match.PatientSex),
        IssuerOfPatientId = NullIfEmpty(match.IssuerOfPatientId),
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private async Task<string> FileAndClaimAsync(string localMrn)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Müller", GivenName = "Jürgen", Sex = PatientSex.Male, LocalMrn = localMrn, Modalities = ["CT"],
            ClinicalReason = "Compare", Priority = RequestPriority.Urgent,
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
        return number;
    }
}
