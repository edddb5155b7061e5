using ImagePortal.Dicom.Data;
using ImagePortal.Dicom.Network;
using ImagePortal.Dicom.Network.Association;
using ImagePortal.Dicom.Network.Client;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using ImagePortal.Web.Features.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ImagePortal.Tests.Interop;

public sealed class DemoJourneyTests(DemoJourneyFixture fixture) : IClassFixture<DemoJourneyFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] Uncompressed = [DicomNetworkUids.ExplicitVrLittleEndian, DicomNetworkUids.ImplicitVrLittleEndian];

    private async Task<RequestStatus> WaitForEndAsync(string number)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var status = await fixture.DbAsync(db => db.ImageRequests.Where(r => r.Number == number).Select(r => r.Status).SingleAsync(Ct));
            if (status is RequestStatus.Completed or RequestStatus.PartiallyCompleted or RequestStatus.Failed)
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{number} is still {status} after 90 s.");
            await Task.Delay(200, Ct);
        }
    }

    /// <summary>What NVH's demo PACS holds for a patient ID: study UID and issuer of each study.</summary>
    private async Task<List<(string? StudyUid, string? Issuer)>> NvhStudiesOfAsync(string patientId)
    {
        var nvh = fixture.Pacs.Single(p => p.FacilityCode == "NVH");
        var client = new DicomClient("127.0.0.1", nvh.Port, new AssociationOptions { CallingAeTitle = "DEMOTEST", CalledAeTitle = nvh.AeTitle });
        await using var association = await client.OpenAsync([new PresentationContextRequest(DicomNetworkUids.StudyRootFind, Uncompressed)], Ct);
        var keys = new DicomDataset();
        keys.SetString(DicomTag.QueryRetrieveLevel, "STUDY");
        keys.SetString(DicomTag.StudyInstanceUID, string.Empty);
        keys.SetString(DicomTag.PatientID, patientId);
        keys.SetString(DicomTag.IssuerOfPatientID, string.Empty);
        var found = await association.FindAsync(DicomNetworkUids.StudyRootFind, keys, Ct).Where(r => r.Status.IsPending).ToListAsync(Ct);
        await association.ReleaseAsync(Ct);
        return found.Select(r => (r.Identifier!.GetString(DicomTag.StudyInstanceUID), r.Identifier.GetString(DicomTag.IssuerOfPatientID))).ToList();
    }

    [Fact]
    public async Task AClerkAsks_AnApproverApprovesFromTheDemoPacs_AndTheStudyLandsInTheClerksDemoPacs_UnderTheLocalMrn()
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Müller", GivenName = "Jürgen", BirthDate = new DateOnly(1949, 1, 7), Sex = PatientSex.Male,
            SourceMrn = "SBR-77120", LocalMrn = "NVH-DEMO-1", Modalities = ["CR"], ClinicalReason = "Compare with the prior chest film.",
            Priority = RequestPriority.Urgent,
        });
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version))).IsSuccess);

        var lookUp = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-77120", null, null, null, null, ["CR"]));
        Assert.True(lookUp.IsSuccess, lookUp.Failure?.Message);
        var chest = Assert.Single(lookUp.Value!.Studies);
        seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, seen.Value!.Version,
            [ApprovedStudy.From(chest)]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);

        Assert.Equal(RequestStatus.Completed, await WaitForEndAsync(number));
        Assert.Equal([(chest.StudyInstanceUid, "NVH-MRN")], await NvhStudiesOfAsync("NVH-DEMO-1"));
    }

    [Fact]
    public async Task AClerkRetrievesDirectlyFromLakeshore_AndTheStudyLandsInTheClerksDemoPacs()
    {
        var search = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new SearchPartnerArchives("LIC-40877", null, null, null, null, []));
        Assert.True(search.IsSuccess, search.Failure?.Message);
        Assert.Empty(search.Value!.Problems);
        var mammo = Assert.Single(search.Value.Studies);

        var retrieved = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new RetrieveFromPartner(mammo.FacilityId, [mammo.Study.StudyInstanceUid], "NVH-DEMO-2", "Screening comparison.", RequestPriority.Routine));
        Assert.True(retrieved.IsSuccess, retrieved.Failure?.Message);

        Assert.Equal(RequestStatus.Completed, await WaitForEndAsync(retrieved.Value!));
        Assert.Equal([(mammo.Study.StudyInstanceUid, "NVH-MRN")], await NvhStudiesOfAsync("NVH-DEMO-2"));
    }
}
