using ImagePortal.Domain.Common;

namespace ImagePortal.Domain.Notifications;

/// <summary>Something a user should see under the bell: a new request in their inbox, a decision on their request.</summary>
public sealed class UserNotification
{
    private UserNotification()
    {
        UserId = string.Empty;
        Text = string.Empty;
        Link = string.Empty;
    }

    public UserNotification(string userId, string text, string link, DateTimeOffset at)
        : this()
    {
        Id = Guid.CreateVersion7();
        UserId = userId;
        Text = Guard.Required(text, "The text", 300);
        Link = link.StartsWith('/') && !link.StartsWith("//", StringComparison.Ordinal)
            ? link
            : throw new DomainException("A notification links only within the portal.");
        At = at;
    }

    public Guid Id { get; private set; }

    public string UserId { get; private set; }

    public string Text { get; private set; }

    /// <summary>A path inside the portal, e.g. <c>/requests/REQ-2026-000123</c>.</summary>
    public string Link { get; private set; }

    public DateTimeOffset At { get; private set; }

    public DateTimeOffset? ReadAt { get; private set; }

    public void MarkRead(DateTimeOffset now) => ReadAt ??= now;
}
