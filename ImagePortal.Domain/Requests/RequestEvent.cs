namespace ImagePortal.Domain.Requests;

/// <summary>One entry of a request's timeline: what happened, who did it, when.</summary>
public sealed class RequestEvent
{
    private RequestEvent()
    {
    }

    internal RequestEvent(Guid requestId, RequestEventKind kind, string? userId, string? text, DateTimeOffset at)
    {
        Id = Guid.CreateVersion7();
        RequestId = requestId;
        Kind = kind;
        UserId = userId;
        Text = text;
        At = at;
    }

    public Guid Id { get; private set; }

    public Guid RequestId { get; private set; }

    public RequestEventKind Kind { get; private set; }

    public string? UserId { get; private set; }

    public string? Text { get; private set; }

    public DateTimeOffset At { get; private set; }
}
