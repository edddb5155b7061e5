using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;

namespace ImagePortal.Tests.Features.Requests;

public abstract class RequestWorkflowTestsBase(UseCaseFixture fixture)
{
    private static readonly ApprovedStudy ChestCt = new(
        "1.2.826.0.1.3680043.8.498.10", new DateOnly(2025, 5, 2), "CT", "CT THORAX", "SBR0001", 300, new SourcePatient("SBR-77120", null, "Müller^Jürgen", null));

    private Task<Guid> FacilityIdAsync(string code) => fixture.DbAsync(db => db.Facilities.Where(f => f.Code == code).Select(f => f.Id).SingleAsync(TestContext.Current.CancellationToken));

    /// <summary>Files a request and asserts that it was filed with no possible duplicate; returns its number.</summary>
    private async Task<string> FileAsync(string localMrn, string sourceCode = "SBR", IReadOnlyList<string>? modalities = null, bool confirm = false)
    {
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(await FacilityIdAsync(sourceCode)) with
        {
            FamilyName = "Ní Bhriain", GivenName = "Siobhán", BirthDate = new DateOnly(1961, 4, 2), Sex = PatientSex.Female,
            LocalMrn = localMrn, Modalities = modalities ?? ["CT"], StudyDateFrom = new DateOnly(2024, 1, 1), Description = "Chest",
            ClinicalReason = "Compare with prior CT.", Priority = RequestPriority.Urgent, ConfirmedNotDuplicate = confirm,
        });
        Assert.True(result.IsSuccess, result.Failure?.Message);
        Assert.Empty(result.Value!.PossibleDuplicates);
        return result.Value.Number!;
    }

    private async Task<RequestDetails> GetAsync(string userName, string number)
    {
        var result = await fixture.QueryAsync(userName, new GetRequest(number));
        Assert.True(result.IsSuccess, result.Failure?.Message);
        return result.Value!;
    }

    [Fact]
    public async Task Clerk_FilesARequest_ThatLandsInThePartnersInbox()
    {
        var number = await FileAsync("NVH-1001");

        Assert.Matches(@"^REQ-\d{4}-\d{6}$", number);
        var inbox = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListInbox(new RequestFilter(), 0, 50));
        Assert.Contains(inbox.Value!.Items, r => r.Number == number && r.Partner == "Northvale General Hospital" && r.LocalMrn == "NVH-1001");
        var mine = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(Patient: "NVH-1001"), 0, 50));
        Assert.Equal([number], mine.Value!.Items.Select(r => r.Number));
    }

    [Fact]
    public async Task ThePatientSearch_FindsTheStartOfTheName_InAnyCase_OnEveryDatabase()
    {
        var first = await FileAsync($"NVH-S{Guid.NewGuid():N}"[..20]);
        var second = await FileAsync($"NVH-S{Guid.NewGuid():N}"[..20]);

        async Task<List<string>> MineAsync(string text, RequestSort? sort = null) =>
            [.. (await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(Patient: text), 0, 100, sort))).Value!.Items.Select(r => r.Number)];

        Assert.Contains(first, await MineAsync("ní bhr"));
        Assert.Contains(second, await MineAsync("NÍ BHRIAIN SIOBHÁN"));
        Assert.DoesNotContain(first, await MineAsync("bhriain"));
        var byPatient = await MineAsync("ní bhriain", new RequestSort(RequestSortColumn.Patient, Descending: true));
        Assert.True(byPatient.IndexOf(second) < byPatient.IndexOf(first), "same name: the newer number first, descending");
        var inbox = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new ListInbox(new RequestFilter(Patient: "ní bhr"), 0, 100));
        Assert.Contains(inbox.Value!.Items, r => r.Number == first);
    }

    [Fact]
    public async Task FilingToAFacilityWithoutAgreement_IsNotFound_AsIsAForgedId()
    {
        // NVH has no agreement with RCH (RCH asks NVH, not the other way round).
        var withoutAgreement = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(await FacilityIdAsync("RCH")));
        var forged = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(Guid.NewGuid()));

        Assert.Equal(FailureKind.NotFound, withoutAgreement.Failure!.Kind);
        Assert.Equal(withoutAgreement.Failure.Message, forged.Failure!.Message);
    }

    [Fact]
    public async Task ANameAlone_IsRefused_ForItDoesNotFindOnePatient_ButTheNameWithThePartnersMrnIsEnough()
    {
        var sbr = await FacilityIdAsync("SBR");
        FileRequest Filed(DateOnly? birthDate, string? sourceMrn) => new(
            sbr, "Keane", "Tomás", birthDate, PatientSex.Male, sourceMrn, "NVH-ID-1", ["CR"], null, null, null, null, "Fracture follow-up", RequestPriority.Routine);

        var nameOnly = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Filed(null, null));
        var withMrn = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Filed(null, "SBR-4410"));

        Assert.Equal(FailureKind.Invalid, nameOnly.Failure!.Kind);
        Assert.Contains("Give the patient's birth date, or their MRN at the partner facility", nameOnly.Failure.Message);
        Assert.True(withMrn.IsSuccess, withMrn.Failure?.Message);
        var filed = await GetAsync(DemoUsers.ApproverSbr.UserName, withMrn.Value!.Number!);
        Assert.Equal(("SBR-4410", PatientSex.Male, (DateOnly?)null), (filed.Patient.SourceMrn, filed.Patient.Sex, filed.Patient.BirthDate));
    }

    [Fact]
    public async Task MissingLocalMrnAndReason_AreRefusedWithClearMessages()
    {
        var result = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(await FacilityIdAsync("SBR")) with
        {
            LocalMrn = " ", ClinicalReason = "",
        });

        Assert.Equal(FailureKind.Invalid, result.Failure!.Kind);
        Assert.Contains("MRN at your facility", result.Failure.Message);
        Assert.Contains("clinical reason", result.Failure.Message);
    }

    [Fact]
    public async Task ADuplicate_IsShownFirst_AndFiledOnlyWhenConfirmed()
    {
        var first = await FileAsync("NVH-2002", modalities: ["CT", "MR"]);
        var source = await FacilityIdAsync("SBR");
        FileRequest Again(bool confirm) => new(source, "Ní Bhriain", "Siobhán", new DateOnly(1961, 4, 2), PatientSex.Female, null, "NVH-2002",
            ["CT"], new DateOnly(2025, 1, 1), null, null, null, "Again", RequestPriority.Routine, confirm);

        var warned = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Again(confirm: false));
        Assert.Null(warned.Value!.Number);
        Assert.Equal([first], warned.Value.PossibleDuplicates.Select(d => d.Number));

        var confirmed = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, Again(confirm: true));
        Assert.NotNull(confirmed.Value!.Number);
        Assert.NotEqual(first, confirmed.Value.Number);
    }

    [Fact]
    public async Task ADifferentModality_IsNotADuplicate()
    {
        await FileAsync("NVH-3003", modalities: ["MG"]);

        // FileAsync asserts that the request is filed and that no possible duplicate came back.
        await FileAsync("NVH-3003", modalities: ["CT"]);
    }

    [Fact]
    public async Task OtherFacilities_CannotSeeOrTouchTheRequest()
    {
        var number = await FileAsync("NVH-4004");
        var version = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version;

        // RCH has nothing to do with it; NVH's approver is on the requesting side, not the holding side.
        var rchView = await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new ListRequests(new RequestFilter(), 0, 100));
        Assert.DoesNotContain(rchView.Value!.Items, r => r.Number == number);
        var wrongSideClaim = await fixture.CommandAsync(DemoUsers.ApproverNvh.UserName, new ClaimRequest(number, version));
        Assert.Equal(FailureKind.NotFound, wrongSideClaim.Failure!.Kind);
        var clerkClaim = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new ClaimRequest(number, version));
        Assert.Equal(FailureKind.Forbidden, clerkClaim.Failure!.Kind);
        // An auditor is on neither side either: to them, as to anyone there, the request does not exist.
        var auditorRead = await fixture.QueryAsync("auditor", new GetRequest(number));
        Assert.Equal(FailureKind.NotFound, auditorRead.Failure!.Kind);

        // Same facilities, wrong roles: SBR's clerk does not work SBR's inbox; NVH's approver does not follow NVH's requests.
        var holdingClerkRead = await fixture.QueryAsync(DemoUsers.ClerkSbr.UserName, new GetRequest(number));
        Assert.Equal(FailureKind.NotFound, holdingClerkRead.Failure!.Kind);
        var requestingApproverRead = await fixture.QueryAsync(DemoUsers.ApproverNvh.UserName, new GetRequest(number));
        Assert.Equal(FailureKind.NotFound, requestingApproverRead.Failure!.Kind);
    }

    [Fact]
    public async Task Approver_ClaimsAndApproves_AndTheRequesterSeesIt()
    {
        var number = await FileAsync("NVH-5005");
        var seen = await GetAsync(DemoUsers.ApproverSbr.UserName, number);

        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Version))).IsSuccess);
        var claimed = await GetAsync(DemoUsers.ApproverSbr.UserName, number);
        Assert.True(claimed.ClaimedByMe);
        var approved = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, claimed.Version, [ChestCt]));
        Assert.True(approved.IsSuccess, approved.Failure?.Message);

        var requesterView = await GetAsync(DemoUsers.ClerkNvh.UserName, number);
        Assert.Equal(RequestStatus.Approved, requesterView.Status);
        Assert.Equal([ChestCt.StudyInstanceUid], requesterView.Studies.Select(s => s.StudyInstanceUid));
        Assert.Equal(
            [RequestEventKind.Submitted, RequestEventKind.Claimed, RequestEventKind.Approved],
            requesterView.Timeline.Select(t => t.Kind));
        Assert.Equal("Declan Walsh", requesterView.Timeline[^1].Who);
    }

    [Fact]
    public async Task Approve_WithoutThePatientTheStudyHasInThePacs_IsRefused()
    {
        // The page always sends the patient its PACS answered; a forged event that leaves it out would let the worker
        // import whoever the source names first.
        var number = await FileAsync("NVH-5006");
        var seen = await GetAsync(DemoUsers.ApproverSbr.UserName, number);
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, seen.Version))).IsSuccess);
        var claimed = await GetAsync(DemoUsers.ApproverSbr.UserName, number);

        var forged = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, claimed.Version, [ChestCt with { Patient = null! }]));

        Assert.Equal(FailureKind.Invalid, forged.Failure!.Kind);
        Assert.Contains("must name its patient as your PACS holds it", forged.Failure.Message);
        Assert.Equal(RequestStatus.Claimed, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Status);
    }

    [Fact]
    public async Task TwoApproversAtOnce_OneWins_TheOtherIsToldPlainly()
    {
        var number = await FileAsync("NVH-6006");
        var bothSaw = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version;

        var first = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, bothSaw));
        var second = await fixture.CommandAsync(DemoUsers.SecondApproverSbr.UserName, new ClaimRequest(number, bothSaw));

        Assert.True(first.IsSuccess);
        Assert.Equal(FailureKind.Conflict, second.Failure!.Kind);
        Assert.Contains("changed by someone else", second.Failure.Message);
        Assert.True((await GetAsync(DemoUsers.ApproverSbr.UserName, number)).ClaimedByMe);
    }

    [Fact]
    public async Task DoubleClickOnApprove_ApprovesOnce()
    {
        var number = await FileAsync("NVH-7007");
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version));
        var version = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version;

        var results = await Task.WhenAll(
            fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, version, [ChestCt])),
            fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, version, [ChestCt])));

        Assert.Single(results, r => r.IsSuccess);
        Assert.Single(results, r => r.Failure?.Kind == FailureKind.Conflict);
        var details = await GetAsync(DemoUsers.ClerkNvh.UserName, number);
        Assert.Single(details.Timeline, t => t.Kind == RequestEventKind.Approved);
    }

    [Fact]
    public async Task ConcurrencyToken_RefusesTheSecondOfTwoSimultaneousSaves()
    {
        var number = await FileAsync("NVH-8008");
        var approver = await fixture.DbAsync(db => db.Users.Where(u => u.UserName == DemoUsers.ApproverSbr.UserName).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken));

        var outcome = await fixture.DbAsync(async first => await fixture.DbAsync(async second =>
        {
            var cancel = TestContext.Current.CancellationToken;
            var a = await first.ImageRequests.SingleAsync(r => r.Number == number, cancel);
            var b = await second.ImageRequests.SingleAsync(r => r.Number == number, cancel);
            a.Claim(approver, DateTimeOffset.UtcNow);
            b.Cancel("clerk", DateTimeOffset.UtcNow);
            await first.SaveChangesAsync(cancel);
            return await Record.ExceptionAsync(() => second.SaveChangesAsync(cancel));
        }));

        Assert.IsType<DbUpdateConcurrencyException>(outcome);
        Assert.Equal(RequestStatus.Claimed, (await GetAsync(DemoUsers.ClerkNvh.UserName, number)).Status);
    }

    [Fact]
    public async Task DenyAndAskForInformation_ReachTheRequester_WhoCanAnswer()
    {
        var number = await FileAsync("NVH-9009");
        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version));
        var asked = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName,
            new AskForInformation(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version, "Which side?"));
        Assert.True(asked.IsSuccess);

        var answered = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName,
            new ResubmitRequest(number, (await GetAsync(DemoUsers.ClerkNvh.UserName, number)).Version, "Left."));
        Assert.True(answered.IsSuccess);

        await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version));
        var denied = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName,
            new DenyRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version, DenialReason.PatientNotFound, null));
        Assert.True(denied.IsSuccess);
        var final = await GetAsync(DemoUsers.ClerkNvh.UserName, number);
        Assert.Equal(RequestStatus.Denied, final.Status);
        Assert.Equal(DenialReason.PatientNotFound, final.DenialReason);
    }

    [Fact]
    public async Task IllegalTransitions_AreRefusedAsInvalid_NotThrown()
    {
        var number = await FileAsync("NVH-9109");
        var version = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version;

        var approveUnclaimed = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ApproveRequest(number, version, [ChestCt]));

        Assert.Equal(FailureKind.Invalid, approveUnclaimed.Failure!.Kind);
        Assert.Contains("cannot be approved", approveUnclaimed.Failure.Message);
    }

    [Fact]
    public async Task Comments_AreSharedByBothSides_AndNeverCauseAConflict()
    {
        var number = await FileAsync("NVH-9209");
        var approverSaw = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version;

        var clerkComment = await fixture.CommandAsync(DemoUsers.ClerkNvh.UserName, new AddComment(number, "Patient also had an MR in 2023, if you have it."));
        var strangerComment = await fixture.CommandAsync(DemoUsers.ClerkSbr.UserName, new AddComment(number, "hello"));
        var claim = await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, approverSaw));

        Assert.True(clerkComment.IsSuccess);
        Assert.Equal(FailureKind.NotFound, strangerComment.Failure!.Kind);
        Assert.True(claim.IsSuccess, "a comment must not invalidate the version an approver saw");
        var timeline = (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Timeline;
        var comment = Assert.Single(timeline, t => t.Kind == RequestEventKind.Comment);
        Assert.Equal(("Aoife Brennan", "Patient also had an MR in 2023, if you have it."), (comment.Who!, comment.Text!));
    }

    [Fact]
    public async Task RequestList_FiltersByPartnerAndFilingDate()
    {
        var toSbr = await FileAsync("NVH-F1");
        var toLic = await FileAsync("NVH-F2", sourceCode: "LIC");
        var sbr = await FacilityIdAsync("SBR");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);

        var bySbr = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(PartnerFacilityId: sbr), 0, 100));
        var filedToday = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(FiledFrom: today, FiledTo: today), 0, 100));
        var filedLastYear = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(FiledTo: today.AddYears(-1)), 0, 100));
        var backwards = await fixture.QueryAsync(DemoUsers.ClerkNvh.UserName, new ListRequests(new RequestFilter(FiledFrom: today, FiledTo: today.AddDays(-1)), 0, 100));

        Assert.Contains(bySbr.Value!.Items, r => r.Number == toSbr);
        Assert.DoesNotContain(bySbr.Value.Items, r => r.Number == toLic);
        Assert.Contains(filedToday.Value!.Items, r => r.Number == toLic);
        Assert.Empty(filedLastYear.Value!.Items);
        Assert.Equal(FailureKind.Invalid, backwards.Failure!.Kind);
    }

    [Fact]
    public async Task TheTimeline_ListsWhatHappenedAtOneInstant_InTheOrderItHappened()
    {
        var (nvh, lic) = (await FacilityIdAsync("NVH"), await FacilityIdAsync("LIC"));
        var clerk = await fixture.DbAsync(db => db.Users.Where(u => u.UserName == DemoUsers.ClerkNvh.UserName).Select(u => u.Id).SingleAsync(TestContext.Current.CancellationToken));
        var now = DateTimeOffset.UtcNow;
        var numbers = Enumerable.Range(1, 12).Select(i => $"REQ-2098-{i:D6}").ToList();
        await fixture.DbAsync(async db =>
        {
            foreach (var number in numbers)
            {
                db.ImageRequests.Add(ImageRequest.RetrieveUnderAgreement(
                    number, nvh, lic, new PatientDetails("Walsh", "Tomás", null, PatientSex.Male, "LIC-9", "NVH-TL"),
                    new RequestScope(["MG"], null, null, null, null), "Compare.", RequestPriority.Routine, now.AddDays(1), clerk,
                    [new RequestedStudy($"1.2.826.0.1.3680043.8.498.77.{int.Parse(number[^6..], System.Globalization.CultureInfo.InvariantCulture)}", null, "MG", null, null, 4, new SourcePatient("LIC-9", null, null, null))], now));
            }

            return await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        });

        // As rows written before the entity kept each event later than the one before were: filed and approved at one instant.
        await fixture.DbAsync(db => db.Set<RequestEvent>().Where(e => db.ImageRequests.Any(r => r.Id == e.RequestId && numbers.Contains(r.Number)))
            .ExecuteUpdateAsync(e => e.SetProperty(x => x.At, now), TestContext.Current.CancellationToken));

        foreach (var number in numbers)
        {
            var timeline = (await GetAsync(DemoUsers.ClerkNvh.UserName, number)).Timeline;
            Assert.Equal([RequestEventKind.Submitted, RequestEventKind.ApprovedByAgreement], timeline.Select(t => t.Kind));
        }
    }

    [Fact]
    public async Task LookingUpStudies_OfARequestTheApproverHasDenied_IsRefused_WithoutAskingThePacs()
    {
        var number = await FileAsync("NVH-LU1");
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName, new ClaimRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version))).IsSuccess);
        Assert.True((await fixture.CommandAsync(DemoUsers.ApproverSbr.UserName,
            new DenyRequest(number, (await GetAsync(DemoUsers.ApproverSbr.UserName, number)).Version, DenialReason.PatientNotFound, null))).IsSuccess);

        var lookUp = await fixture.QueryAsync(DemoUsers.ApproverSbr.UserName, new LookUpStudies(number, "SBR-1", null, null, null, null, []));

        Assert.Equal(FailureKind.Invalid, lookUp.Failure!.Kind);
        Assert.Contains("denied", lookUp.Failure.Message);
        Assert.Empty(await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number && e.Type == ImagePortal.Domain.Audit.AuditEventType.Query)
            .ToListAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task ANetworkAdministrator_AskingForARequest_GetsNotFound_WhetherItExistsOrNot()
    {
        var number = await FileAsync("NVH-NA1");

        var unknown = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetRequest("REQ-2099-999999"));
        var existing = await fixture.QueryAsync(DemoUsers.NetworkAdmin.UserName, new GetRequest(number));

        Assert.Equal(FailureKind.NotFound, unknown.Failure!.Kind);
        Assert.Equal(unknown.Failure, existing.Failure);
        var alerts = await fixture.DbAsync(db => db.AuditEvents.Where(e => e.ObjectReference == number && e.Type == ImagePortal.Domain.Audit.AuditEventType.SecurityAlert)
            .ToListAsync(TestContext.Current.CancellationToken));
        Assert.Single(alerts);
    }
}

/// <summary>The request workflow on SQLite, the embedded default.</summary>
public sealed class RequestWorkflowTests(UseCaseFixture fixture) : RequestWorkflowTestsBase(fixture), IClassFixture<UseCaseFixture>;

/// <summary>The request workflow on a real PostgreSQL server, as several nodes share one in production.</summary>
public sealed class RequestWorkflowOnPostgreSqlTests(PostgreSqlSharedDatabaseFixture fixture) : RequestWorkflowTestsBase(fixture), IClassFixture<PostgreSqlSharedDatabaseFixture>;
