using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Requests;

/// <summary>
/// The ticket: a requesting facility asks a source facility for a patient's prior imaging. Its state machine lives
/// here and refuses every transition DESIGN.md does not allow; each transition records a timeline event and renews
/// <see cref="Version"/>, the concurrency token that makes the second of two simultaneous decisions fail.
/// </summary>
public sealed class ImageRequest
{
    public const int MaxClinicalReasonLength = 2000;

    private readonly List<RequestedStudy> _studies = [];
    private readonly List<RequestEvent> _events = [];

    private ImageRequest()
    {
        Number = string.Empty;
        Patient = null!;
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

    public string? DecidedByUserId { get; private set; }

    public DateTimeOffset? DecidedAt { get; private set; }

    public DenialReason? DenialReason { get; private set; }

    /// <summary>The approver's note with a denial, or the question when information is asked for.</summary>
    public string? DecisionNote { get; private set; }

    public Guid Version { get; private set; } = Guid.NewGuid();

    public IReadOnlyList<RequestedStudy> Studies => _studies;

    public IReadOnlyList<RequestEvent> Events => _events;

    /// <summary>Open: somebody still has to act on it before images can flow.</summary>
    public bool IsOpen => Status is RequestStatus.Submitted or RequestStatus.Claimed or RequestStatus.NeedsInfo;

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
            throw new DomainException("Select at least one study to retrieve.");
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
        Require(RequestStatus.Submitted, "claimed");
        ClaimedByUserId = approverUserId;
        Transition(RequestStatus.Claimed, RequestEventKind.Claimed, approverUserId, null, now);
    }

    public void Release(string approverUserId, DateTimeOffset now)
    {
        RequireClaimedBy(approverUserId, "released");
        ClaimedByUserId = null;
        Transition(RequestStatus.Submitted, RequestEventKind.Released, approverUserId, null, now);
    }

    public void Approve(string approverUserId, IReadOnlyCollection<RequestedStudy> studies, DateTimeOffset now)
    {
        RequireClaimedBy(approverUserId, "approved");
        if (studies.Count == 0)
        {
            throw new DomainException("Select at least one study to approve.");
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
        RequireClaimedBy(approverUserId, "denied");
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
        RequireClaimedBy(approverUserId, "sent back for information");
        DecisionNote = Guard.Required(question, "The question", 1000);
        ClaimedByUserId = null;
        Transition(RequestStatus.NeedsInfo, RequestEventKind.InformationRequested, approverUserId, DecisionNote, now);
    }

    public void Resubmit(string requesterUserId, string answer, DateTimeOffset now)
    {
        Require(RequestStatus.NeedsInfo, "resubmitted");
        var text = Guard.Required(answer, "The answer", 1000);
        Transition(RequestStatus.Submitted, RequestEventKind.Resubmitted, requesterUserId, text, now);
    }

    public void Cancel(string requesterUserId, DateTimeOffset now)
    {
        if (Status is not (RequestStatus.Submitted or RequestStatus.Claimed))
        {
            throw Refused("cancelled");
        }

        ClaimedByUserId = null;
        Transition(RequestStatus.Cancelled, RequestEventKind.Cancelled, requesterUserId, null, now);
    }

    /// <summary>Policy: a request nobody decided by its due time expires.</summary>
    public void Expire(DateTimeOffset now)
    {
        if (Status is not (RequestStatus.Submitted or RequestStatus.Claimed))
        {
            throw Refused("expired");
        }

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
        if (Status is not (RequestStatus.Approved or RequestStatus.Failed))
        {
            throw Refused("retrieved");
        }

        Transition(RequestStatus.Retrieving, RequestEventKind.RetrievalStarted, null, null, now);
    }

    public void CompleteRetrieval(int imported, int failed, DateTimeOffset now, string? detail = null)
    {
        Require(RequestStatus.Retrieving, "completed");
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
        Transition(status, kind, null, detail ?? $"{imported} imported, {failed} failed", now);
    }

    public void FailRetrieval(string error, DateTimeOffset now)
    {
        Require(RequestStatus.Retrieving, "failed");
        Transition(RequestStatus.Failed, RequestEventKind.Failed, null, Guard.Required(error, "The error", 1000), now);
    }

    /// <summary>A message on the thread. It changes no decision, so it leaves <see cref="Version"/> alone: a comment never
    /// makes a colleague's pending decision fail as a conflict.</summary>
    public RequestEvent AddComment(string userId, string text, DateTimeOffset now)
    {
        return Append(RequestEventKind.Comment, userId, Guard.Required(text, "The comment", 2000), now);
    }

    /// <summary>
    /// A retrieval worker received something this request did not ask for (issue 6). Like a comment it changes no
    /// decision, so it leaves <see cref="Version"/> alone.
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

    private void Require(RequestStatus expected, string action)
    {
        if (Status != expected)
        {
            throw Refused(action);
        }
    }

    private void RequireClaimedBy(string approverUserId, string action)
    {
        Require(RequestStatus.Claimed, action);
        if (!string.Equals(ClaimedByUserId, approverUserId, StringComparison.Ordinal))
        {
            throw new DomainException("Another approver has claimed this request.");
        }
    }

    private DomainException Refused(string action) =>
        new($"Request {Number} is {Describe(Status)} and cannot be {action}.");

    private void Transition(RequestStatus status, RequestEventKind kind, string? userId, string? text, DateTimeOffset now)
    {
        Status = status;
        Record(kind, userId, text, now);
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

/// <summary>What the clerk asks for: modalities, a study date range, a description, an accession number.</summary>
public sealed record RequestScope
{
    public RequestScope(IEnumerable<string>? modalities, DateOnly? from, DateOnly? to, string? description, string? accessionNumber)
    {
        Modalities = (modalities ?? []).Select(m => m.Trim().ToUpperInvariant()).Where(m => m.Length > 0).Distinct().Order().ToList();
        if (Modalities.Any(m => m.Length > 16 || !m.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            throw new DomainException("A modality is not a DICOM modality code.");
        }

        if (from is not null && to is not null && from > to)
        {
            throw new DomainException("The study date range ends before it starts.");
        }

        From = from;
        To = to;
        Description = Guard.Optional(description, "The description", 200);
        AccessionNumber = Guard.Optional(accessionNumber, "The accession number", 16);
    }

    public IReadOnlyList<string> Modalities { get; }

    public DateOnly? From { get; }

    public DateOnly? To { get; }

    public string? Description { get; }

    public string? AccessionNumber { get; }
}
