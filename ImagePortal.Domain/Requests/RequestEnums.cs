namespace ImagePortal.Domain.Requests;

/// <summary>Where a request stands (DESIGN.md). Each transition is a method of <see cref="ImageRequest"/>.</summary>
public enum RequestStatus
{
    Submitted,
    Claimed,
    NeedsInfo,
    Approved,
    Denied,
    Cancelled,
    Expired,
    Retrieving,
    Completed,
    PartiallyCompleted,
    Failed,
}

public enum RequestPriority
{
    Stat,
    Urgent,
    Routine,
}

public enum DenialReason
{
    PatientNotFound,
    NoMatchingStudies,
    InsufficientClinicalReason,
    ConsentMissing,
    DuplicateRequest,
    Other,
}

public enum PatientSex
{
    Unknown,
    Female,
    Male,
    Other,
}

public enum RequestEventKind
{
    Submitted,
    Claimed,
    Released,
    Approved,
    ApprovedByAgreement,
    Denied,
    InformationRequested,
    Resubmitted,
    Cancelled,
    Expired,
    RetrievalStarted,
    Completed,
    PartiallyCompleted,
    Failed,
    Comment,
    SecurityAlert,

    /// <summary>An administrator released an instance the retrieval had quarantined; it was imported.</summary>
    QuarantineReleased,
}
