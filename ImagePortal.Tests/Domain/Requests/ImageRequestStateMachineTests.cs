using ImagePortal.Domain.Common;
using ImagePortal.Domain.Requests;

namespace ImagePortal.Tests.Domain.Requests;

/// <summary>Every transition of DESIGN.md's state machine from every state: the legal ones work, all others are refused.</summary>
public sealed class ImageRequestStateMachineTests
{
    private const string Clerk = "clerk-1";
    private const string Approver = "approver-1";
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Due = Now.AddHours(4);

    private static readonly RequestedStudy Study =
        new("1.2.826.0.1.3680043.8.498.1", new DateOnly(2025, 3, 1), "CT", "CT CHEST", "A123", 300, new SourcePatient("SBR-77120", null, null, null));

    /// <summary>Each action, applied at a time after the due time only where the action needs that.</summary>
    private static readonly Dictionary<string, Action<ImageRequest>> Actions = new()
    {
        ["Claim"] = r => r.Claim(Approver, Now),
        ["Release"] = r => r.Release(Approver, Now),
        ["Approve"] = r => r.Approve(Approver, [Study], Now),
        ["Deny"] = r => r.Deny(Approver, DenialReason.PatientNotFound, null, Now),
        ["AskForInformation"] = r => r.AskForInformation(Approver, "Which hip?", Now),
        ["Resubmit"] = r => r.Resubmit(Clerk, "The left one.", Now),
        ["Cancel"] = r => r.Cancel(Clerk, Now),
        ["Expire"] = r => r.Expire(Due.AddMinutes(1)),
        ["StartRetrieval"] = r => r.StartRetrieval(Now),
        ["Complete"] = r => r.CompleteRetrieval(10, 0, Now),
        ["CompletePartially"] = r => r.CompleteRetrieval(8, 2, Now),
        ["Fail"] = r => r.FailRetrieval("source PACS refused the association", Now),
    };

    /// <summary>How to bring a new request into each state.</summary>
    private static readonly Dictionary<RequestStatus, string[]> PathTo = new()
    {
        [RequestStatus.Submitted] = [],
        [RequestStatus.Claimed] = ["Claim"],
        [RequestStatus.NeedsInfo] = ["Claim", "AskForInformation"],
        [RequestStatus.Approved] = ["Claim", "Approve"],
        [RequestStatus.Denied] = ["Claim", "Deny"],
        [RequestStatus.Cancelled] = ["Cancel"],
        [RequestStatus.Expired] = ["Expire"],
        [RequestStatus.Retrieving] = ["Claim", "Approve", "StartRetrieval"],
        [RequestStatus.Completed] = ["Claim", "Approve", "StartRetrieval", "Complete"],
        [RequestStatus.PartiallyCompleted] = ["Claim", "Approve", "StartRetrieval", "CompletePartially"],
        [RequestStatus.Failed] = ["Claim", "Approve", "StartRetrieval", "Fail"],
    };

    /// <summary>The legal transitions: (from, action) → to. Everything not listed must be refused.</summary>
    private static readonly Dictionary<(RequestStatus, string), RequestStatus> Legal = new()
    {
        [(RequestStatus.Submitted, "Claim")] = RequestStatus.Claimed,
        [(RequestStatus.Submitted, "Cancel")] = RequestStatus.Cancelled,
        [(RequestStatus.Submitted, "Expire")] = RequestStatus.Expired,
        [(RequestStatus.Claimed, "Release")] = RequestStatus.Submitted,
        [(RequestStatus.Claimed, "Approve")] = RequestStatus.Approved,
        [(RequestStatus.Claimed, "Deny")] = RequestStatus.Denied,
        [(RequestStatus.Claimed, "AskForInformation")] = RequestStatus.NeedsInfo,
        [(RequestStatus.Claimed, "Cancel")] = RequestStatus.Cancelled,
        [(RequestStatus.Claimed, "Expire")] = RequestStatus.Expired,
        [(RequestStatus.NeedsInfo, "Resubmit")] = RequestStatus.Submitted,
        [(RequestStatus.Approved, "StartRetrieval")] = RequestStatus.Retrieving,
        [(RequestStatus.Retrieving, "Complete")] = RequestStatus.Completed,
        [(RequestStatus.Retrieving, "CompletePartially")] = RequestStatus.PartiallyCompleted,
        [(RequestStatus.Retrieving, "Fail")] = RequestStatus.Failed,
        [(RequestStatus.Failed, "StartRetrieval")] = RequestStatus.Retrieving,
    };

    public static TheoryData<RequestStatus, string> EveryStateAndAction()
    {
        var data = new TheoryData<RequestStatus, string>();
        foreach (var status in Enum.GetValues<RequestStatus>())
        {
            foreach (var action in Actions.Keys)
            {
                data.Add(status, action);
            }
        }

        return data;
    }

    internal static ImageRequest NewRequest() => ImageRequest.Submit(
        "REQ-2026-000001", Guid.CreateVersion7(), Guid.CreateVersion7(),
        new PatientDetails("Ní Bhriain", "Siobhán", new DateOnly(1961, 4, 2), PatientSex.Female, "SBR-555", "NVH-0042"),
        new RequestScope(["CT"], new DateOnly(2024, 1, 1), null, "Chest", null),
        "Follow-up of a pulmonary nodule: compare with the prior CT.", RequestPriority.Urgent, Due, Clerk, Now);

    private static ImageRequest InState(RequestStatus status)
    {
        var request = NewRequest();
        foreach (var step in PathTo[status])
        {
            Actions[step](request);
        }

        Assert.Equal(status, request.Status);
        return request;
    }

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void Transition_IsAllowedExactlyWhenTheDesignSaysSo(RequestStatus from, string action)
    {
        var request = InState(from);
        var versionBefore = request.Version;
        var eventsBefore = request.Events.Count;

        if (Legal.TryGetValue((from, action), out var to))
        {
            Actions[action](request);
            Assert.Equal(to, request.Status);
            Assert.NotEqual(versionBefore, request.Version);
            Assert.Equal(eventsBefore + 1, request.Events.Count);
        }
        else
        {
            Assert.Throws<DomainException>(() => Actions[action](request));
            Assert.Equal(from, request.Status);
            Assert.Equal(versionBefore, request.Version);
            Assert.Equal(eventsBefore, request.Events.Count);
        }
    }

    /// <summary>Each test action as the entity names it for <see cref="ImageRequest.AllowedActions"/>.</summary>
    private static readonly Dictionary<string, RequestAction> Named = new()
    {
        ["Claim"] = RequestAction.Claim,
        ["Release"] = RequestAction.Release,
        ["Approve"] = RequestAction.Approve,
        ["Deny"] = RequestAction.Deny,
        ["AskForInformation"] = RequestAction.AskForInformation,
        ["Resubmit"] = RequestAction.Resubmit,
        ["Cancel"] = RequestAction.Cancel,
        ["Expire"] = RequestAction.Expire,
        ["StartRetrieval"] = RequestAction.StartRetrieval,
        ["Complete"] = RequestAction.CompleteRetrieval,
        ["CompletePartially"] = RequestAction.CompleteRetrieval,
        ["Fail"] = RequestAction.FailRetrieval,
    };

    /// <summary>Who does each action in these tests: the approver who claims, the clerk who asked, the portal.</summary>
    private static readonly Dictionary<RequestActor, string?> Users = new()
    {
        [RequestActor.Approver] = Approver,
        [RequestActor.Requester] = Clerk,
        [RequestActor.Portal] = null,
    };

    [Theory]
    [MemberData(nameof(EveryStateAndAction))]
    public void AllowedActions_OfferAnActionExactlyWhenTheTransitionIsLegal_AndOnlyToWhoeverDoesIt(RequestStatus from, string action)
    {
        var request = InState(from);
        var what = Named[action];
        var legal = Legal.ContainsKey((from, action));

        foreach (var actor in Enum.GetValues<RequestActor>())
        {
            var offered = request.AllowedActions(actor, Users[actor]).Contains(what);
            Assert.Equal(legal && actor == RequestTransitions.ActorOf(what), offered);
            Assert.Equal(offered, request.Allows(what, actor, Users[actor]));
        }
    }

    [Fact]
    public void ARequestTheApproverDecided_OffersThemNothingMore()
    {
        foreach (var status in new[] { RequestStatus.Approved, RequestStatus.Denied, RequestStatus.Completed, RequestStatus.Failed })
        {
            var request = InState(status);

            Assert.Equal(Approver, request.ClaimedByUserId);
            Assert.Empty(request.AllowedActions(RequestActor.Approver, Approver));
            Assert.Empty(request.AllowedActions(RequestActor.Requester, Clerk));
        }
    }

    [Theory]
    [InlineData("Release")]
    [InlineData("Approve")]
    [InlineData("Deny")]
    [InlineData("AskForInformation")]
    public void OnlyTheApproverWhoClaimed_CanDecide(string action)
    {
        var request = InState(RequestStatus.Claimed);
        Assert.DoesNotContain(Named[action], request.AllowedActions(RequestActor.Approver, "approver-2"));
        Assert.Contains(Named[action], request.AllowedActions(RequestActor.Approver, Approver));

        var error = Assert.Throws<DomainException>(() =>
        {
            switch (action)
            {
                case "Release": request.Release("approver-2", Now); break;
                case "Approve": request.Approve("approver-2", [Study], Now); break;
                case "Deny": request.Deny("approver-2", DenialReason.Other, "no", Now); break;
                default: request.AskForInformation("approver-2", "?", Now); break;
            }
        });

        Assert.Contains("Another approver", error.Message);
        Assert.Equal(RequestStatus.Claimed, request.Status);
    }

    [Fact]
    public void Approve_NeedsAtLeastOneStudy_AndNoDuplicates()
    {
        var request = InState(RequestStatus.Claimed);

        Assert.Throws<DomainException>(() => request.Approve(Approver, [], Now));
        Assert.Throws<DomainException>(() => request.Approve(Approver, [Study, Study], Now));
        Assert.Equal(RequestStatus.Claimed, request.Status);
    }

    [Fact]
    public void Deny_ForAnotherReason_NeedsAnExplanation()
    {
        var request = InState(RequestStatus.Claimed);

        Assert.Throws<DomainException>(() => request.Deny(Approver, DenialReason.Other, "  ", Now));
        request.Deny(Approver, DenialReason.Other, "Patient withdrew consent by phone.", Now);
        Assert.Equal(RequestStatus.Denied, request.Status);
        Assert.Equal(Approver, request.DecidedByUserId);
    }

    [Fact]
    public void Expire_BeforeTheDueTime_IsRefused()
    {
        var request = NewRequest();

        Assert.Throws<DomainException>(() => request.Expire(Due));
        Assert.Equal(RequestStatus.Submitted, request.Status);
    }

    [Fact]
    public void Submit_RefusesRequestsToOneself_AndPastDueTimes()
    {
        var facility = Guid.CreateVersion7();
        var patient = new PatientDetails("Doe", null, null, PatientSex.Unknown, null, "L1");
        var scope = new RequestScope(null, null, null, null, null);

        Assert.Throws<DomainException>(() => ImageRequest.Submit("REQ-2026-000002", facility, facility, patient, scope, "Reason", RequestPriority.Stat, Due, Clerk, Now));
        Assert.Throws<DomainException>(() => ImageRequest.Submit("REQ-2026-000002", facility, Guid.CreateVersion7(), patient, scope, "Reason", RequestPriority.Stat, Now, Clerk, Now));
        Assert.Throws<DomainException>(() => ImageRequest.Submit("REQ-2026-000002", facility, Guid.CreateVersion7(), patient, scope, " ", RequestPriority.Stat, Due, Clerk, Now));
    }

    [Theory]
    [InlineData("", "Given", "L1")]
    [InlineData("Doe^Evil", "Given", "L1")]
    [InlineData("Doe", "Given", "")]
    [InlineData("Doe", "Given", "A\\B")]
    public void PatientDetails_RefuseWhatWouldCorruptTheImport(string family, string given, string localMrn) =>
        Assert.Throws<DomainException>(() => new PatientDetails(family, given, null, PatientSex.Unknown, null, localMrn));

    [Theory]
    [InlineData("1.2.3")]
    [InlineData("1.2.840.10008.5.1.4.1.1.2")]
    [InlineData("2.25.123456789012345678901234567890")]
    public void StudyUids_AreValidated_Accepting(string uid) => Assert.Equal(uid, RequestedStudy.ValidateUid(uid));

    [Theory]
    [InlineData("")]
    [InlineData("1..2")]
    [InlineData("1.02.3")]
    [InlineData("../../etc/passwd")]
    [InlineData("1.2.3.")]
    public void StudyUids_AreValidated_Refusing(string uid) =>
        Assert.Throws<DomainException>(() => RequestedStudy.ValidateUid(uid));

    [Fact]
    public void Timeline_RecordsWhoDidWhat()
    {
        var request = InState(RequestStatus.Approved);

        Assert.Equal(
            [(RequestEventKind.Submitted, Clerk), (RequestEventKind.Claimed, Approver), (RequestEventKind.Approved, Approver)],
            request.Events.Select(e => (e.Kind, e.UserId!)));
    }
}
