using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Interop;

/// <summary>The approver's PACS look-up against a real Orthanc standing in for SBR's PACS.</summary>
public sealed class PacsLookUpTests(UseCaseFixture fixture) : IClassFixture<UseCaseFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task PointSbrPacsAtAsync(string aeTitle, int port) => await fixture.DbAsync(async db =>
    {
        var sbr = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", Ct);
        var node = sbr.Nodes.Single();
        sbr.UpdateNode(node.Id, node.Name, AeTitle.Parse(aeTitle), "127.0.0.1", port, node.Capabilities, false);
        return await db.SaveChangesAsync(Ct);
    });

    private async Task<string> FileAndClaimAsync(string localMrn, string family, string given)
    {
        var sbr = await fixture.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Ct));
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new FileRequest(
            sbr, family, given, null, PatientSex.Male, null, localMrn, ["CT"], null, null, null, null, "Compare", RequestPriority.Urgent));
        var number = filed.Value!.Number!;
        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version));
        return number;
    }

    [Fact]
    public async Task Approver_FindsThePatientsStudiesInTheirPacs_AndApprovesThem()
    {
        using var files = new TempDirectory("lookup");
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var study = SyntheticStudy.Write(files.Combine("a"), patientName: "Müller^Jürgen", patientId: "SBR-1234", studyDate: "20240115");
        var other = SyntheticStudy.Write(files.Combine("b"), patientName: "Smith^John", patientId: "SBR-9999", studyDate: "20240116");
        await study.UploadToAsync(orthanc, Ct);
        await other.UploadToAsync(orthanc, Ct);
        await PointSbrPacsAtAsync(orthanc.AeTitle, orthanc.DicomPort);
        var number = await FileAndClaimAsync("NVH-L1", "Müller", "Jürgen");

        var byName = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName,
            new LookUpStudies(number, null, "Müller^J*", null, new DateOnly(2024, 1, 1), new DateOnly(2024, 12, 31), []));
        Assert.False(byName.IsSuccess, "a name search without birth date is refused");

        var byMrn = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1234", null, null, null, null, []));

        Assert.True(byMrn.IsSuccess, byMrn.Failure?.Message);
        var match = Assert.Single(byMrn.Value!.Studies);
        Assert.Equal(study.StudyInstanceUid, match.StudyInstanceUid);
        Assert.Equal("Müller^Jürgen", match.PatientName);
        Assert.Equal(new DateOnly(2024, 1, 15), match.StudyDate);
        Assert.Equal(study.SopInstanceUids.Count, match.Instances);

        var seen = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, seen.Value!.Version,
            [ApprovedStudy.From(match)]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);

        var queries = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number && e.Type == ImagePortal.Domain.Audit.AuditEventType.Query).ToListAsync(Ct));
        Assert.Contains(queries, q => q.Description.Contains("PatientID=SBR-1234") && q.Description.Contains("1 match"));
    }

    [Fact]
    public async Task ADeadPacs_GivesAPlainError_AndIsAudited()
    {
        await PointSbrPacsAtAsync("NOBODY", FreePort.Next());
        var number = await FileAndClaimAsync("NVH-L2", "Doe", "Jane");

        var result = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1", null, null, null, null, []));

        Assert.Equal(FailureKind.Unavailable, result.Failure!.Kind);
        Assert.StartsWith("PACS NOBODY at 127.0.0.1:", result.Failure.Message);
        Assert.Contains("cannot be reached", result.Failure.Message);
        Assert.DoesNotContain("   at ", result.Failure.Message);
    }

    [Fact]
    public async Task APacsThatRefusesOurAe_IsExplained()
    {
        await using var orthanc = await OrthancPeer.StartAsync(new OrthancPeerOptions { AlwaysAllowQueryRetrieve = false }, Ct);
        await PointSbrPacsAtAsync(orthanc.AeTitle, orthanc.DicomPort);
        var number = await FileAndClaimAsync("NVH-L3", "Doe", "John");

        var result = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1", null, null, null, null, []));

        Assert.Equal(FailureKind.Unavailable, result.Failure!.Kind);
        Assert.StartsWith($"PACS {orthanc.AeTitle} at 127.0.0.1:{orthanc.DicomPort}", result.Failure.Message);
    }
}
