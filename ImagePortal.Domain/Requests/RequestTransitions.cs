namespace ImagePortal.Domain.Requests;

/// <summary>
/// DESIGN.md's state machine as one table: each action, who does it, from which states, and whether only the approver
/// who claimed the request may. <see cref="ImageRequest"/> refuses every move the table does not allow, and
/// <see cref="ImageRequest.AllowedActions"/> answers from it what a page may offer, so the two never disagree.
/// </summary>
public static class RequestTransitions
{
    private static readonly Dictionary<RequestAction, Rule> Rules = new()
    {
        [RequestAction.Claim] = new(RequestActor.Approver, [RequestStatus.Submitted], ClaimerOnly: false),
        [RequestAction.Release] = new(RequestActor.Approver, [RequestStatus.Claimed], ClaimerOnly: true),
        [RequestAction.Approve] = new(RequestActor.Approver, [RequestStatus.Claimed], ClaimerOnly: true),
        [RequestAction.Deny] = new(RequestActor.Approver, [RequestStatus.Claimed], ClaimerOnly: true),
        [RequestAction.AskForInformation] = new(RequestActor.Approver, [RequestStatus.Claimed], ClaimerOnly: true),
        [RequestAction.Resubmit] = new(RequestActor.Requester, [RequestStatus.NeedsInfo], ClaimerOnly: false),
        [RequestAction.Cancel] = new(RequestActor.Requester, [RequestStatus.Submitted, RequestStatus.Claimed], ClaimerOnly: false),
        [RequestAction.Expire] = new(RequestActor.Portal, [RequestStatus.Submitted, RequestStatus.Claimed], ClaimerOnly: false),
        [RequestAction.StartRetrieval] = new(RequestActor.Portal, [RequestStatus.Approved, RequestStatus.Failed], ClaimerOnly: false),
        [RequestAction.CompleteRetrieval] = new(RequestActor.Portal, [RequestStatus.Retrieving], ClaimerOnly: false),
        [RequestAction.FailRetrieval] = new(RequestActor.Portal, [RequestStatus.Retrieving], ClaimerOnly: false),
    };

    /// <summary>Who does <paramref name="action"/>.</summary>
    public static RequestActor ActorOf(RequestAction action) => Rules[action].By;

    /// <summary>Whether <paramref name="action"/> may be done to a request in <paramref name="status"/> at all, by anyone.</summary>
    public static bool AllowedFrom(RequestAction action, RequestStatus status) => Rules[action].From.Contains(status);

    /// <summary>Whether only the approver who claimed the request may do <paramref name="action"/>.</summary>
    public static bool ClaimerOnly(RequestAction action) => Rules[action].ClaimerOnly;

    private sealed record Rule(RequestActor By, RequestStatus[] From, bool ClaimerOnly);
}
