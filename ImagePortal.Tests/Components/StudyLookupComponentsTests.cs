using AngleSharp.Dom;
using Bunit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>
/// The approver's PACS look-up on the request page, rendered by bUnit on the real portal services with a real Orthanc as
/// the facility's PACS: the patients found come first, with birth date and sex; the studies of the one chosen follow.
/// </summary>
public sealed class StudyLookupComponentsTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private readonly UseCaseFixture _portal;

    public StudyLookupComponentsTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    private static CancellationToken Ct => Xunit.TestContext.Current.CancellationToken;

    [Fact]
    public async Task SearchingAFamilyName_ListsEachPatientWithBirthDateAndSex_AndChoosingOneShowsOnlyTheirStudies()
    {
        using var files = new TempDirectory("lookup-ui");
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        await SyntheticStudy.Write(files.Combine("a"), patientName: "KEANE^TOMAS", patientId: "SBR-5801", birthDate: "19580312", sex: "M", studyDate: "20240115").UploadToAsync(orthanc, Ct);
        await SyntheticStudy.Write(files.Combine("b"), patientName: "KEANE^TOMAS", patientId: "SBR-5801", birthDate: "19580312", sex: "M", studyDate: "20250302").UploadToAsync(orthanc, Ct);
        await SyntheticStudy.Write(files.Combine("c"), patientName: "KEANE^MARY", patientId: "SBR-6107", birthDate: "19610709", sex: "F", studyDate: "20240220").UploadToAsync(orthanc, Ct);
        var request = await FiledAndClaimedAsync(orthanc);
        Render<MudPopoverProvider>();

        var lookUp = Render<StudyLookup>(p => p.Add(x => x.Request, request));
        await ChangeAsync(lookUp, "Patient name", "keane");
        await ChangeAsync(lookUp, "Patient birth date", "");
        await SearchAsync(lookUp);

        lookUp.WaitForAssertion(() => Assert.Equal(2, Rows(lookUp, "Patients found").Count), TimeSpan.FromSeconds(15));
        Assert.Equal(
            [["KEANE, TOMAS", "SBR-5801", "1958-03-12", "Male", "2", "Choose"], ["KEANE, MARY", "SBR-6107", "1961-07-09", "Female", "1", "Choose"]],
            Rows(lookUp, "Patients found").Select(row => row.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray()).OrderBy(r => r[1]));
        Assert.Contains("2 patients match: choose the requested one to see their studies.", lookUp.Markup);
        Assert.DoesNotContain(lookUp.FindAll("caption"), c => c.TextContent.StartsWith("Studies of", StringComparison.Ordinal));

        await lookUp.InvokeAsync(() => lookUp.FindAll("button").Single(b => b.GetAttribute("aria-label") == "Choose patient KEANE, MARY, MRN SBR-6107").Click());

        var studies = Rows(lookUp, "Studies of KEANE, MARY (MRN SBR-6107)");
        Assert.Equal("2024-02-20", Assert.Single(studies).QuerySelectorAll("td")[1].TextContent.Trim());
        Assert.Contains("Approve 0 selected studies", lookUp.Markup);
    }

    [Fact]
    public async Task AWildcardOnlySearch_IsRefused_WithTheReason()
    {
        await using var orthanc = await OrthancPeer.StartAsync(cancellationToken: Ct);
        var request = await FiledAndClaimedAsync(orthanc);
        Render<MudPopoverProvider>();

        var lookUp = Render<StudyLookup>(p => p.Add(x => x.Request, request));
        await ChangeAsync(lookUp, "Patient name", "K*");
        await ChangeAsync(lookUp, "Patient birth date", "");
        await SearchAsync(lookUp);

        lookUp.WaitForAssertion(() => Assert.Contains("Too broad: give at least two letters of the name", lookUp.Find("[role=alert]").TextContent), TimeSpan.FromSeconds(10));
        Assert.Empty(lookUp.FindAll("table"));
    }

    private async Task<RequestDetails> FiledAndClaimedAsync(OrthancPeer orthanc)
    {
        var sbr = await _portal.DbAsync(async db =>
        {
            var facility = await db.Facilities.Include(f => f.Nodes).SingleAsync(f => f.Code == "SBR", Ct);
            var node = facility.Nodes.Single();
            facility.UpdateNode(node.Id, node.Name, AeTitle.Parse(orthanc.AeTitle), "127.0.0.1", orthanc.DicomPort, node.Capabilities, false);
            await db.SaveChangesAsync(Ct);
            return facility.Id;
        });
        var filed = await _portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Keane", GivenName = "Tomás", BirthDate = new DateOnly(1958, 3, 12), Sex = PatientSex.Male,
            LocalMrn = $"NVH-LU-{Guid.NewGuid():N}"[..20], ClinicalReason = "Compare with the prior CT.", ConfirmedNotDuplicate = true,
        });
        Assert.True(filed.IsSuccess, filed.Failure?.Message);
        var number = filed.Value!.Number!;
        var seen = await _portal.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number));
        Assert.True((await _portal.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Value!.Version))).IsSuccess);
        await SignInAsync(_portal, DemoUsers.ApproverSbr.UserName);
        return (await _portal.QueryAsync(DemoUsers.ApproverSbr.UserName, new GetRequest(number))).Value!;
    }

    /// <summary>The input a label names, as a screen reader finds it.</summary>
    private static async Task ChangeAsync(IRenderedComponent<StudyLookup> lookUp, string label, string value)
    {
        var id = lookUp.FindAll("label").Single(l => l.TextContent.Trim() == label).GetAttribute("for");
        await lookUp.InvokeAsync(() => lookUp.Find($"#{id}").Change(value));
    }

    private static Task SearchAsync(IRenderedComponent<StudyLookup> lookUp) =>
        lookUp.InvokeAsync(() => lookUp.FindAll("button").Single(b => b.TextContent.Contains("Search PACS")).Click());

    private static IReadOnlyList<IElement> Rows(IRenderedComponent<StudyLookup> lookUp, string caption) =>
        lookUp.FindAll("table").Single(t => t.QuerySelector("caption")?.TextContent.Trim() == caption).QuerySelectorAll("tbody tr").ToList();
}
