namespace ImagePortal.Domain.Requests;

/// <summary>What can be done to a request. Which status each is allowed in, and by whom, is <see cref="RequestTransitions"/>.</summary>
public enum RequestAction
{
    Claim,
    Release,
    Approve,
    Deny,
    AskForInformation,
    Resubmit,
    Cancel,
    Expire,
    StartRetrieval,
    CompleteRetrieval,
    FailRetrieval,
}

/// <summary>Who acts on a request.</summary>
public enum RequestActor
{
    /// <summary>An approver of the holding (source) facility.</summary>
    Approver,

    /// <summary>A clerk of the facility that asked.</summary>
    Requester,

    /// <summary>The portal itself: the expiry policy and the retrieval workers.</summary>
    Portal,
}
