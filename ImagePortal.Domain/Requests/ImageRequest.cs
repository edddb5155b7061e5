// Over 400 lines: the request aggregate, its state machine and every transition with the rule that guards it read in
// one place (each transition is short; the Domain rules it asks live in their own files: RequestScope, RequestNumber).
using ImagePortal.Domain.Common;
using ImagePortal.Domain.Retrievals;

namespace ImagePortal.Domain.Requests;

/// <summary>
/// The ticket: a requesting facility asks a source facility for a patient's prior imaging. Its state machine lives
/// here and refuses every transition DESIGN.md does not allow; each transition records a timeline event and renews
/// <see cref="Version"/>, the concurrency token that makes the second of two simultaneous decisions fail.
/// </summary>
public sealed class ImageRequest
{
    public const int MaxClinicalReasonLength = 2000;

    public const string NoStudyToRetrieve = "Select at least one study to retrieve.";

    public const string NoStudyToApprove = "Select at least one study to approve.";

    private readonly List<RequestedStudy> _studies = [];
    private readonly List<RequestEvent> _events = [];

    private ImageRequest()
    {
        Number = string.Empty;
        Patient = null!;
        PatientNameKey = string.Empty;
        ModalityScope = string.Empty;
        ClinicalReason = string.Empty;
        RequestedByUserId = string.Empty;
    }

    private ImageRequest(
        string number, Guid requestingFacilityId, Guid sourceFacilityId, PatientDetails patient, RequestScope scope,
        string clinicalReason, RequestPriority priority, DateTimeOffset dueAt, string requestedByUserId, DateTimeOffset now)
        : this()
    {
        if (requestingFacilityId == sourceFacilityId)
        {
            throw new DomainException("A facility cannot request images from itself.");
        }

        if (!Enum.IsDefined(priority))
        {
            throw new DomainException("Unknown priority.");
        }

        if (dueAt <= now)
        {
            throw new DomainException("The due time must be in the future.");
        }

        Id = Guid.CreateVersion7();
        Number = number;
        RequestingFacilityId = requestingFacilityId;
        SourceFacilityId = sourceFacilityId;
        Patient = patient;
        PatientNameKey = patient.NameKey;
        ModalityScope = string.Join('\\', scope.Modalities);
        StudyDateFrom = scope.From;
        StudyDateTo = scope.To;
        StudyDescription = scope.Description;
        AccessionNumber = scope.AccessionNumber;
        ClinicalReason = Guard.Required(clinicalReason, "The clinical reason", MaxClinicalReasonLength);
        Priority = priority;
        DueAt = dueAt;
        RequestedByUserId = requestedByUserId;
        CreatedAt = now;
        Status = RequestStatus.Submitted;
        Record(RequestEventKind.Submitted, requestedByUserId, null, now);
    }

    public Guid Id { get; private set; }

    /// <summary>The human number, e.g. <c>REQ-2026-000123</c>.</summary>
    public string Number { get; private set; }

    public Guid RequestingFacilityId { get; private set; }

    public Guid SourceFacilityId { get; private set; }

    public PatientDetails Patient { get; private set; }

    /// <summary>
    /// The name as the lists search and sort it (<see cref="PatientDetails.NameKey"/>), stored so that a name search
    /// is a range on an index instead of a substring test on every request of the facility, slower as requests accumulate.
    /// </summary>
    public string PatientNameKey { get; private set; }

    /// <summary>Wanted modalities, backslash-separated (empty: any).</summary>
    public string ModalityScope { get; private set; }

    public DateOnly? StudyDateFrom { get; private set; }

    public DateOnly? StudyDateTo { get; private set; }

    public string? StudyDescription { get; private set; }

    public string? AccessionNumber { get; private set; }

    public string ClinicalReason { get; private set; }

    public RequestPriority Priority { get; private set; }

    public DateTimeOffset DueAt { get; private set; }

    public string RequestedByUserId { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public RequestStatus Status { get; private set; }

    public string? ClaimedByUserId { get; private set; }

    /// <summary>When an approver first claimed it (a release or a question sent back does not reset it): the end of
    /// the wait for an approver, a stage of the turnaround reports.</summary>
    public DateTimeOffset? ClaimedAt { get; private set; }

    public string? DecidedByUserId { get; private set; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public DenialReason? DenialReason { get; private set; }

    /// <summary>The approver's note with a denial, or the question when information is asked for.</summary>
    public string? DecisionNote { get; private set; }

    /// <summary>When the import ended with images (completed or partially completed); a report's last stage ends here.</summary>
    public DateTimeOffset? CompletedAt { get; private set; }

    public Guid Version { get; private set; } = Guid.NewGuid();

    public IReadOnlyList<RequestedStudy> Studies => _studies;

    public IReadOnlyList<RequestEvent> Events => _events;

    /// <summary>
    /// Where a request ended without images: asking again for what one of these asked is no duplicate (see
    /// <see cref="AsksAgainFor"/>). A list, not a method, so that a query can filter on it in the database.
    /// </summary>
    public static IReadOnlyList<RequestStatus> EndedWithoutImages { get; } =
        [RequestStatus.Denied, RequestStatus.Cancelled, RequestStatus.Expired, RequestStatus.Failed];

    /// <summary>What the clerk asked for, as they asked it.</summary>
    public RequestScope Scope =>
        new(ModalityScope.Split('\\', StringSplitOptions.RemoveEmptyEntries), StudyDateFrom, StudyDateTo, StudyDescription, AccessionNumber);

    /// <summary>Open: somebody still has to act on it before images can flow.</summary>
    public bool IsOpen => Status is RequestStatus.Submitted or RequestStatus.Claimed or RequestStatus.NeedsInfo;

    /// <summary>
    /// Whether <paramref name="userId"/>, acting as <paramref name="actor"/>, may do <paramref name="action"/> now: the
    /// transition methods refuse exactly the moves this refuses (expiry also needs the due time past).
    /// </summary>
    public bool Allows(RequestAction action, RequestActor actor, string? userId) =>
        RequestTransitions.ActorOf(action) == actor && RequestTransitions.AllowedFrom(action, Status) &&
        (!RequestTransitions.ClaimerOnly(action) || IsClaimedBy(userId));

    /// <summary>What a page may offer <paramref name="userId"/> acting as <paramref name="actor"/>; nothing else would be accepted.</summary>
    public IReadOnlySet<RequestAction> AllowedActions(RequestActor actor, string? userId) =>
        Enum.GetValues<RequestAction>().Where(action => Allows(action, actor, userId)).ToHashSet();

    /// <summary>
    /// The duplicate rule: a new request for <paramref name="wanted"/>, between the same two facilities for the same
    /// local patient (the caller finds those), would ask again for what this one asks or brought, unless this one
    /// ended without images. The clerk is shown such requests and must confirm before filing.
    /// </summary>
    public bool AsksAgainFor(RequestScope wanted) => !EndedWithoutImages.Contains(Status) && Scope.Overlaps(wanted);

    public static ImageRequest Submit(
        string number, Guid requestingFacilityId, Guid sourceFacilityId, PatientDetails patient, RequestScope scope,
        string clinicalReason, RequestPriority priority, DateTimeOffset dueAt, string requestedByUserId, DateTimeOffset now) =>
        new(number, requestingFacilityId, sourceFacilityId, patient, scope, clinicalReason, priority, dueAt, requestedByUserId, now);

    /// <summary>
    /// A clerk retrieves studies found in a partner's archive under a direct query &amp; retrieve agreement: the
    /// request is filed and approved by the agreement in one step (nobody at the holding facility decides), and
    /// the timeline says so.
    /// </summary>
    public static ImageRequest RetrieveUnderAgreement(
        string number, Guid requestingFacilityId, Guid sourceFacilityId, PatientDetails patient, RequestScope scope,
        string clinicalReason, RequestPriority priority, DateTimeOffset dueAt, string clerkUserId,
        IReadOnlyCollection<RequestedStudy> studies, DateTimeOffset now)
    {
        if (studies.Count == 0)
        {
            throw new DomainException(NoStudyToRetrieve);
        }

        if (studies.Select(s => s.StudyInstanceUid).Distinct(StringComparer.Ordinal).Count() != studies.Count)
        {
            throw new DomainException("A study was selected twice.");
        }

        var request = new ImageRequest(number, requestingFacilityId, sourceFacilityId, patient, scope, clinicalReason, priority, dueAt, clerkUserId, now);
        request._studies.AddRange(studies);
        request.DecidedAt = now;
        request.Transition(RequestStatus.Approved, RequestEventKind.ApprovedByAgreement, null,
            $"{studies.Count} study(ies) retrieved under the direct query & retrieve agreement", now);
        return request;
    }

    public void Claim(string approverUserId, DateTimeOffset now)
    {
        Require(RequestAction.Claim, approverUserId, "claimed");
        ClaimedByUserId = approverUserId;
        var claimed = Transition(RequestStatus.Claimed, RequestEventKind.Claimed, approverUserId, null, now);
        ClaimedAt ??= claimed.At;
    }

    public void Release(string approverUserId, DateTimeOffset now)
    {
        Require(RequestAction.Release, approverUserId, "released");
        ClaimedByUserId = null;
        Transition(RequestStatus.Submitted, RequestEventKind.Released, approverUserId, null, now);
    }

    public void Approve(string approverUserId, IReadOnlyCollection<RequestedStudy> studies, DateTimeOffset now)
    {
        Require(RequestAction.Approve, approverUserId, "approved");
        if (studies.Count == 0)
        {
            throw new DomainException(NoStudyToApprove);
        }

        if (studies.Select(s => s.StudyInstanceUid).Distinct(StringComparer.Ordinal).Count() != studies.Count)
        {
            throw new DomainException("A study was selected twice.");
        }

        _studies.Clear();
        _studies.AddRange(studies);
        Decide(approverUserId, now);
        Transition(RequestStatus.Approved, RequestEventKind.Approved, approverUserId, $"{studies.Count} study(ies) approved", now);
    }

    public void Deny(string approverUserId, DenialReason reason, string? note, DateTimeOffset now)
    {
        Require(RequestAction.Deny, approverUserId, "denied");
        if (!Enum.IsDefined(reason))
        {
            throw new DomainException("Unknown denial reason.");
        }

        var text = Guard.Optional(note, "The note", 1000);
        if (reason == Requests.DenialReason.Other && text is null)
        {
            throw new DomainException("Say why the request is denied.");
        }

        DenialReason = reason;
        DecisionNote = text;
        Decide(approverUserId, now);
        Transition(RequestStatus.Denied, RequestEventKind.Denied, approverUserId, text is null ? reason.ToString() : $"{reason}: {text}", now);
    }

    public void AskForInformation(string approverUserId, string question, DateTimeOffset now)
    {
        Require(RequestAction.AskForInformation, approverUserId, "sent back for information");
        DecisionNote = Guard.Required(question, "The question", 1000);
        ClaimedByUserId = null;
        Transition(RequestStatus.NeedsInfo, RequestEventKind.InformationRequested, approverUserId, DecisionNote, now);
    }

    public void Resubmit(string requesterUserId, string answer, DateTimeOffset now)
    {
        Require(RequestAction.Resubmit, requesterUserId, "resubmitted");
        var text = Guard.Required(answer, "The answer", 1000);
        Transition(RequestStatus.Submitted, RequestEventKind.Resubmitted, requesterUserId, text, now);
    }

    public void Cancel(string requesterUserId, DateTimeOffset now)
    {
        Require(RequestAction.Cancel, requesterUserId, "cancelled");

        ClaimedByUserId = null;
        Transition(RequestStatus.Cancelled, RequestEventKind.Cancelled, requesterUserId, null, now);
    }

    /// <summary>Policy: a request nobody decided by its due time expires.</summary>
    public void Expire(DateTimeOffset now)
    {
        Require(RequestAction.Expire, null, "expired");

        if (now <= DueAt)
        {
            throw new DomainException("The request is not past its due time.");
        }

        ClaimedByUserId = null;
        Transition(RequestStatus.Expired, RequestEventKind.Expired, null, null, now);
    }

    /// <summary>A retrieval worker starts (or, after a failure, retries) pulling the approved studies.</summary>
    public void StartRetrieval(DateTimeOffset now)
    {
        Require(RequestAction.StartRetrieval, null, "retrieved");

        Transition(RequestStatus.Retrieving, RequestEventKind.RetrievalStarted, null, null, now);
    }

    /// <summary>
    /// How a retrieval job's end ends the request. A job that ended before it marked the request as retrieving (it
    /// failed at its start) marks it first, so the timeline shows the attempt. Then: a job that failed without importing
    /// anything fails the request with the job's detail; any other end completes it by its counts (completed when none
    /// failed, partially completed when some did, failed when none was imported). A request no longer retrieving (it
    /// ended already) is left as it is: the result is then null, else the kind of the event that ended it.
    /// </summary>
    public RequestEventKind? EndRetrieval(RetrievalJobState job, int imported, int failed, string detail, DateTimeOffset now)
    {
        if (Allows(RequestAction.StartRetrieval, RequestActor.Portal, null))
        {
            StartRetrieval(now);
        }

        if (!Allows(RequestAction.CompleteRetrieval, RequestActor.Portal, null))
        {
            return null;
        }

        if (job == RetrievalJobState.Failed && imported == 0)
        {
            FailRetrieval(detail, now);
        }
        else
        {
            CompleteRetrieval(imported, failed, now, detail);
        }

        return _events[^1].Kind;
    }

    public void CompleteRetrieval(int imported, int failed, DateTimeOffset now, string? detail = null)
    {
        Require(RequestAction.CompleteRetrieval, null, "completed");
        if (imported < 0 || failed < 0)
        {
            throw new DomainException("Counts cannot be negative.");
        }

        var (status, kind) = (imported, failed) switch
        {
            (_, 0) => (RequestStatus.Completed, RequestEventKind.Completed),
            (0, _) => (RequestStatus.Failed, RequestEventKind.Failed),
            _ => (RequestStatus.PartiallyCompleted, RequestEventKind.PartiallyCompleted),
        };
        var ended = Transition(status, kind, null, detail ?? $"{imported} imported, {failed} failed", now);
        if (status != RequestStatus.Failed)
        {
            CompletedAt = ended.At;
        }
    }

    public void FailRetrieval(string error, DateTimeOffset now)
    {
        Require(RequestAction.FailRetrieval, null, "failed");
        Transition(RequestStatus.Failed, RequestEventKind.Failed, null, Guard.Required(error, "The error", 1000), now);
    }

    /// <summary>A message on the thread. It changes no decision, so it leaves <see cref="Version"/> alone: a comment never
    /// makes a colleague's pending decision fail as a conflict.</summary>
    public RequestEvent AddComment(string userId, string text, DateTimeOffset now)
    {
        return Append(RequestEventKind.Comment, userId, Guard.Required(text, "The comment", 2000), now);
    }

    /// <summary>
    /// A retrieval worker received something this request did not ask for (the instance is held in quarantine, not
    /// imported). Like a comment it changes no decision, so it leaves <see cref="Version"/> alone.
    /// </summary>
    public RequestEvent RecordSecurityAlert(string text, DateTimeOffset now)
    {
        return Append(RequestEventKind.SecurityAlert, null, Guard.Required(text, "The alert", 1000), now);
    }

    /// <summary>
    /// An administrator released a quarantined instance into the requester's PACS. Like a security alert it changes no
    /// decision, so it leaves <see cref="Version"/> alone.
    /// </summary>
    public RequestEvent RecordQuarantineRelease(string userId, string text, DateTimeOffset now)
    {
        return Append(RequestEventKind.QuarantineReleased, Guard.Required(userId, "The administrator", 450), Guard.Required(text, "The note", 1000), now);
    }

    private void Decide(string approverUserId, DateTimeOffset now)
    {
        DecidedByUserId = approverUserId;
        DecidedAt = now;
    }

    /// <summary>Refuses what <see cref="Allows"/> refuses (who acts is the caller's to check: the entity knows no roles).</summary>
    private void Require(RequestAction action, string? userId, string verb)
    {
        if (!RequestTransitions.AllowedFrom(action, Status))
        {
            throw Refused(verb);
        }

        if (RequestTransitions.ClaimerOnly(action) && !IsClaimedBy(userId))
        {
            throw new DomainException("Another approver has claimed this request.");
        }
    }

    private bool IsClaimedBy(string? userId) => userId is not null && string.Equals(ClaimedByUserId, userId, StringComparison.Ordinal);

    private DomainException Refused(string action) =>
        new($"Request {Number} is {Describe(Status)} and cannot be {action}.");

    private RequestEvent Transition(RequestStatus status, RequestEventKind kind, string? userId, string? text, DateTimeOffset now)
    {
        Status = status;
        return Record(kind, userId, text, now);
    }

    private RequestEvent Record(RequestEventKind kind, string? userId, string? text, DateTimeOffset now)
    {
        var entry = Append(kind, userId, text, now);
        Version = Guid.NewGuid();
        return entry;
    }

    /// <summary>
    /// The timeline is read in the order of its times, so an event is never at or before one recorded earlier: filed and
    /// approved by the agreement in one step, or started and ended by a worker in one save, happen "at once" and would
    /// otherwise come back from the database in any order ("Approved by agreement" above "Submitted"). One tick later.
    /// </summary>
    private RequestEvent Append(RequestEventKind kind, string? userId, string? text, DateTimeOffset now)
    {
        var at = _events.Count == 0 ? now : Later(now, _events.Max(e => e.At).AddTicks(1));
        var entry = new RequestEvent(Id, kind, userId, text, at);
        _events.Add(entry);
        return entry;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;

    public static string Describe(RequestStatus status) => status switch
    {
        RequestStatus.NeedsInfo => "waiting for information",
        RequestStatus.PartiallyCompleted => "partially completed",
        _ => status.ToString().ToLowerInvariant(),
    };
}
