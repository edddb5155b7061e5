using ImagePortal.Domain.Audit;
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using ImagePortal.Web.Features.Search;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// Direct query &amp; retrieve: NVH's clerk searches LIC's archive (a real Orthanc standing in for it) under the demo's
/// NVH→LIC agreement (CT, MG, CR, DX; studies up to five years old) and retrieves without an approver; LIC's archive and
/// NVH's import destination each speak DIMSE or DICOMweb (QIDO-RS to search, WADO-RS to retrieve, STOW-RS to store).
/// </summary>
public sealed class DirectRetrieveTests(RetrievalFixture fixture) : IClassFixture<RetrievalFixture>
{
    private const string Password = "direct-web-secret";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RecentDate(int daysAgo) => DateTime.UtcNow.AddDays(-daysAgo).ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    private Task<Guid> FacilityIdAsync(string code) => fixture.DbAsync(db => db.Facilities.Where(f => f.Code == code).Select(f => f.Id).SingleAsync(Ct));

    private Task PointPacsAtAsync(string code, string aeTitle, int port) => fixture.DbAsync(async db =>
    {
        var facility = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == code, Ct);
        var node = facility.Nodes.First(n => !n.IsDicomWeb);
        facility.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, node.Capabilities, false);
        facility.SetImportDestination(node.Id);
        return await db.SaveChangesAsync(Ct);
    });

    /// <summary>LIC's archive and NVH's import destination, each over DIMSE or DICOMweb (LIC's with basic authentication).</summary>
    public static TheoryData<NodeProtocol, NodeProtocol> Protocols => new()
    {
        { NodeProtocol.Dimse, NodeProtocol.Dimse },
        { NodeProtocol.DicomWeb, NodeProtocol.Dimse },
        { NodeProtocol.DicomWeb, NodeProtocol.DicomWeb },
    };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Clerk_FindsOnlyStudiesWithinTheAgreement_AndRetrievesThemWithoutAnApprover_PixelDataIdentical(NodeProtocol partner, NodeProtocol destination)
    {
        using var files = new TempDirectory("direct");
        var web = partner == NodeProtocol.DicomWeb;
        await using var orthanc = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { AeTitle = "LIC_PACS", DicomWeb = web, BasicAuthentication = web ? (FacilityPacs.User, Password) : null }, Ct);
        await using var nvh = await OrthancPeer.StartAsync(new OrthancPeerOptions { AeTitle = "NVH_PACS", DicomWeb = destination == NodeProtocol.DicomWeb }, Ct);
        var ct = SyntheticStudy.Write(files.Combine("ct"), patientName: "Ó Súilleabháin^Máire", patientId: "LIC-777", studyDate: RecentDate(30));
        var mr = SyntheticStudy.Write(files.Combine("mr"), patientName: "Ó Súilleabháin^Máire", patientId: "LIC-777", studyDate: RecentDate(40), modality: "MR");
        var old = SyntheticStudy.Write(files.Combine("old"), patientName: "Ó Súilleabháin^Máire", patientId: "LIC-777", studyDate: RecentDate(3000));
        foreach (var study in new[] { ct, mr, old })
        {
            await study.UploadToAsync(orthanc, Ct);
        }

        await FacilityPacs.PointAsync(fixture, "LIC", orthanc, partner, web ? Password : null);
        await FacilityPacs.PointAsync(fixture, "NVH", nvh, destination);

        var search = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new SearchPartnerArchives("LIC-777", null, null, null, null, []));

        Assert.True(search.IsSuccess, search.Failure?.Message);
        Assert.Empty(search.Value!.Problems);
        var found = Assert.Single(search.Value.Studies);
        Assert.Equal((ct.StudyInstanceUid, "LIC"), (found.Study.StudyInstanceUid, found.FacilityCode));

        var retrieved = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(found.FacilityId, [found.Study.StudyInstanceUid], "NVH-D1", "Compare with prior CT.", RequestPriority.Urgent));

        Assert.True(retrieved.IsSuccess, retrieved.Failure?.Message);
        var request = (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new GetRequest(retrieved.Value!))).Value!;
        Assert.Equal([ct.StudyInstanceUid], request.Studies.Select(s => s.StudyInstanceUid));
        Assert.Equal(("Ó Súilleabháin", "Máire", "LIC-777", "NVH-D1"),
            (request.Patient.FamilyName, request.Patient.GivenName, request.Patient.SourceMrn, request.Patient.LocalMrn));
        Assert.Contains(request.Timeline, e => e.Kind == RequestEventKind.ApprovedByAgreement);
        var archive = web ? orthanc.DicomWebRoot.AbsoluteUri : orthanc.AeTitle;
        var audited = await fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.Query && e.Description.Contains($"Direct search of LIC's archive ({archive})"), Ct));
        Assert.True(audited, $"The direct search of {archive} was not audited.");

        // The job the agreement approved runs without an approver: the study arrives in NVH's PACS under NVH's MRN.
        var steps = new RetrievalSteps(fixture);
        var ended = await steps.WaitForEndAsync(retrieved.Value!, TimeSpan.FromSeconds(90));
        Assert.True(ended.Status == RequestStatus.Completed, RetrievalSteps.Timeline(ended));
        Assert.Equal(ct.SopInstanceUids.Order(StringComparer.Ordinal), (await nvh.InstanceUidsAsync(Ct)).Order(StringComparer.Ordinal));
        await WebSourceSteps.AssertArrivedAsync(orthanc, nvh, "NVH-D1");
        var count = ct.SopInstanceUids.Count;
        Assert.Contains(await steps.TransferredAsync(retrieved.Value!), e => e.Description.Contains($"{count} of {count} instances imported"));

        // A study outside the agreement (MR), picked by a forged form, is refused like an unknown one, and raised.
        var forged = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(found.FacilityId, [mr.StudyInstanceUid], "NVH-D1", "Forged.", RequestPriority.Routine));
        Assert.Equal(FailureKind.NotFound, forged.Failure!.Kind);
        var alerted = await fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.SecurityAlert && e.Description.Contains("outside the agreement"), Ct));
        Assert.True(alerted, "The forged retrieve was not raised as a security alert.");
    }

    [Fact]
    public async Task AFacilityWithoutADirectAgreement_IsNotFound_AndAudited()
    {
        // NVH asks SBR by manual request only.
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(await FacilityIdAsync("SBR"), ["1.2.3.4"], "NVH-D2", "Reason", RequestPriority.Routine));

        Assert.Equal(FailureKind.NotFound, result.Failure!.Kind);
        var alerted = await fixture.DbAsync(db => db.AuditEvents.AnyAsync(e => e.Type == AuditEventType.SecurityAlert && e.Description.Contains("no active direct"), Ct));
        Assert.True(alerted);
    }

    [Fact]
    public async Task ADeadPartnerArchive_IsNamed_AndTheSearchStillAnswers()
    {
        await PointPacsAtAsync("LIC", "NOBODY", FreePort.Next());

        var search = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new SearchPartnerArchives("LIC-1", null, null, null, null, []));

        Assert.True(search.IsSuccess, search.Failure?.Message);
        Assert.Empty(search.Value!.Studies);
        var problem = Assert.Single(search.Value.Problems);
        Assert.StartsWith("Lakeshore Imaging Centre: PACS NOBODY at 127.0.0.1:", problem);
    }

    [Fact]
    public async Task ASearchMustNameAPatient_AndOnlyClerksMaySearch()
    {
        var fishing = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new SearchPartnerArchives(null, "Smith*", null, null, null, []));
        Assert.Equal(FailureKind.Invalid, fishing.Failure!.Kind);

        var approver = await fixture.QueryAsync(DemoUsers.ApproverNvh.UserName, new SearchPartnerArchives("LIC-1", null, null, null, null, []));
        Assert.Equal(FailureKind.Forbidden, approver.Failure!.Kind);
    }

    [Fact]
    public async Task AStudyThePartnerHoldsUnderTwoPatients_IsNotRetrieved_AndAStudyOfOnePatientRecordsThatPatient()
    {
        using var files = new TempDirectory("direct-ambiguous");
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var mine = SyntheticStudy.Write(files.Combine("mine"), patientName: "Walsh^Tomás", patientId: "LIC-888", studyDate: RecentDate(20));
        var theirs = SyntheticStudy.Write(files.Combine("theirs"), patientName: "Other^Patient", patientId: "LIC-999", studyDate: RecentDate(20), studyUid: mine.StudyInstanceUid);
        var single = SyntheticStudy.Write(files.Combine("single"), patientName: "Walsh^Tomás", patientId: "LIC-888", studyDate: RecentDate(60));
        foreach (var each in new[] { mine, theirs, single })
        {
            await each.UploadToAsync(orthanc, Ct);
        }

        await PointPacsAtAsync("LIC", orthanc.AeTitle, orthanc.DicomPort);
        var lic = await FacilityIdAsync("LIC");

        var ambiguous = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(lic, [mine.StudyInstanceUid], "NVH-D3", "Compare with prior CT.", RequestPriority.Routine));

        Assert.Equal(FailureKind.Invalid, ambiguous.Failure!.Kind);
        Assert.Contains($"holds study {mine.StudyInstanceUid} under more than one patient", ambiguous.Failure.Message);
        Assert.False(await fixture.DbAsync(db => db.ImageRequests.AnyAsync(r => r.Patient.LocalMrn == "NVH-D3", Ct)));

        var retrieved = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(lic, [single.StudyInstanceUid], "NVH-D3", "Compare with prior CT.", RequestPriority.Routine));

        Assert.True(retrieved.IsSuccess, retrieved.Failure?.Message);
        var study = Assert.Single((await fixture.DbAsync(db => db.ImageRequests.AsNoTracking().SingleAsync(r => r.Number == retrieved.Value, Ct))).Studies);
        Assert.Equal(("LIC-888", "Walsh^Tomás", new DateOnly(1970, 1, 1)), (study.SourcePatientId, study.SourcePatientName, study.SourcePatientBirthDate));
    }
}
