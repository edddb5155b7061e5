using ImagePortal.Domain.Requests;

namespace ImagePortal.Web.Features.Requests;

/// <summary>
/// A named slice of a request list that the home page counts and links to (<c>/requests?queue=overdue</c>); the list
/// and the count share these definitions, so the number on the home page is the number of rows the link opens.
/// </summary>
public enum RequestQueue
{
    /// <summary>Not finished: waiting for a decision, for more information, or approved and being imported.</summary>
    Open,

    /// <summary>Waiting for the source facility's decision (submitted or claimed).</summary>
    AwaitingAnswer,

    /// <summary>Waiting for a decision past its due time.</summary>
    Overdue,

    /// <summary>Waiting for a decision, due before the end of today (the facility's day), not overdue yet.</summary>
    DueToday,

    /// <summary>Claimed by the signed-in approver and not decided yet.</summary>
    ClaimedByMe,

    /// <summary>Imported (completely or partially) since the start of today (the facility's day).</summary>
    CompletedToday,
}

public static class RequestQueues
{
    public static readonly RequestStatus[] Waiting = [RequestStatus.Submitted, RequestStatus.Claimed];

    public static readonly RequestStatus[] Unfinished =
        [RequestStatus.Submitted, RequestStatus.Claimed, RequestStatus.NeedsInfo, RequestStatus.Approved, RequestStatus.Retrieving];

    public static readonly RequestStatus[] Done = [RequestStatus.Completed, RequestStatus.PartiallyCompleted];

    /// <summary>The query-string name: <c>completed-today</c> for <see cref="RequestQueue.CompletedToday"/>.</summary>
    public static string Slug(RequestQueue queue) => queue switch
    {
        RequestQueue.AwaitingAnswer => "awaiting-answer",
        RequestQueue.DueToday => "due-today",
        RequestQueue.ClaimedByMe => "claimed-by-me",
        RequestQueue.CompletedToday => "completed-today",
        _ => queue.ToString().ToLowerInvariant(),
    };

    public static RequestQueue? Parse(string? slug) =>
        Enum.GetValues<RequestQueue>().Cast<RequestQueue?>().FirstOrDefault(q => string.Equals(Slug(q!.Value), slug, StringComparison.OrdinalIgnoreCase));

    /// <summary>What a list filtered to <paramref name="queue"/> shows, in words, above its rows.</summary>
    public static string Describe(RequestQueue queue) => queue switch
    {
        RequestQueue.Open => "Open requests: waiting for a decision or more information, or being imported",
        RequestQueue.AwaitingAnswer => "Waiting for the partner's decision",
        RequestQueue.Overdue => "Waiting for a decision past their due time",
        RequestQueue.DueToday => "Due today, not overdue yet",
        RequestQueue.ClaimedByMe => "Claimed by you, not decided yet",
        RequestQueue.CompletedToday => "Imported today",
        _ => queue.ToString(),
    };
}
