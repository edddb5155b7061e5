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
        var filed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = family, GivenName = given, Sex = PatientSex.Male, LocalMrn = localMrn, Modalities = ["CT"],
            ClinicalReason = "Compare", Priority = RequestPriority.Urgent,
        });
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
        Assert.True(byName.IsSuccess, byName.Failure?.Message);
        Assert.Equal("SBR-1234", Assert.Single(byName.Value!.Patients).PatientId);

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
    public async Task Approver_FindsNamesakesByFamilyName_WithBirthDateAndSex_AndNarrowsByYearMonthMrnOrAccession()
    {
        using var files = new TempDirectory("namesakes");
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var john = SyntheticStudy.Write(files.Combine("a"), patientName: "KEANE^TOMAS", patientId: "SBR-5801", birthDate: "19580312", sex: "M", studyDate: "20240115");
        var johnAgain = SyntheticStudy.Write(files.Combine("b"), patientName: "KEANE^TOMAS", patientId: "SBR-5801", birthDate: "19580312", sex: "M", studyDate: "20250302", modality: "MR");
        var mary = SyntheticStudy.Write(files.Combine("c"), patientName: "Keane^Mary", patientId: "SBR-6107", birthDate: "19610709", sex: "F", studyDate: "20240220");
        var other = SyntheticStudy.Write(files.Combine("d"), patientName: "KEANEY^PAT", patientId: "SBR-7001", birthDate: "19580330", sex: "O", studyDate: "20240301");
        var stranger = SyntheticStudy.Write(files.Combine("e"), patientName: "SMITH^ANN", patientId: "SBR-9001", birthDate: "19580312", sex: "F", studyDate: "20240301");
        foreach (var study in new[] { john, johnAgain, mary, other, stranger })
        {
            await study.UploadToAsync(orthanc, Ct);
        }

        await PointSbrPacsAtAsync(orthanc.AeTitle, orthanc.DicomPort);
        var number = await FileAndClaimAsync("NVH-L4", "Keane", "Tomás");
        async Task<PacsLookUp> LookUpAsync(string? name, string? birthDate = null, string? mrn = null, string? accession = null)
        {
            var result = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, mrn, name, birthDate, null, null, [], accession));
            Assert.True(result.IsSuccess, result.Failure?.Message);
            return result.Value!;
        }

        // "keane" is the family-name prefix KEANE*: both Keanes and the Keaney, whatever the case the PACS holds them in.
        var byFamily = await LookUpAsync("keane");
        Assert.Equal(
            [("SBR-5801", "Keane, Tomas", new DateOnly(1958, 3, 12), "Male", 2), ("SBR-6107", "Keane, Mary", new DateOnly(1961, 7, 9), "Female", 1),
             ("SBR-7001", "Keaney, Pat", new DateOnly(1958, 3, 30), "Other", 1)],
            byFamily.Patients.OrderBy(p => p.PatientId).Select(p => (p.PatientId, Capitalised(p.DisplayName), p.BirthDate!.Value, p.SexLabel, p.Studies)));
        Assert.Equal(
            new[] { john.StudyInstanceUid, johnAgain.StudyInstanceUid }.Order(),
            byFamily.StudiesOf(byFamily.Patients.Single(p => p.PatientId == "SBR-5801")).Select(s => s.StudyInstanceUid).Order());

        // A family name with a wildcard for the given name: no Keaney.
        Assert.Equal(["SBR-5801", "SBR-6107"], (await LookUpAsync("Keane^*")).Patients.Select(p => p.PatientId).Order());
        // By year, by month (ranges of birth dates), by a single day.
        Assert.Equal(["SBR-5801", "SBR-7001"], (await LookUpAsync("kea", birthDate: "1958")).Patients.Select(p => p.PatientId).Order());
        Assert.Equal(["SBR-5801", "SBR-7001"], (await LookUpAsync("K", birthDate: "1958-03")).Patients.Select(p => p.PatientId).Order());
        Assert.Equal(["SBR-5801", "SBR-9001"], (await LookUpAsync(null, birthDate: "1958-03-12")).Patients.Select(p => p.PatientId).Order());
        Assert.Equal(["SBR-6107"], (await LookUpAsync("keane", birthDate: "1961")).Patients.Select(p => p.PatientId));
        // By MRN and by accession number, exactly.
        Assert.Equal(2, Assert.Single((await LookUpAsync(null, mrn: "SBR-5801")).Patients).Studies);
        Assert.Equal("SBR-6107", Assert.Single((await LookUpAsync(null, accession: "ACC6107")).Patients).PatientId);

        var queries = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number && e.Type == ImagePortal.Domain.Audit.AuditEventType.Query).ToListAsync(Ct));
        Assert.Contains(queries, q => q.Description.Contains("PatientName=KEA*") && q.Description.Contains("BirthDate=19580101-19581231"));
    }

    private static string Capitalised(string name) =>
        string.Join(", ", name.Split(", ").Select(part => part.Length == 0 ? part : part[0] + part[1..].ToLowerInvariant()));

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
