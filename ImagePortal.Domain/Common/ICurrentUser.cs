namespace ImagePortal.Domain.Common;

/// <summary>
/// Who is acting, read from server state (the authentication ticket), never from what a page showed.
/// Every query scopes its data with <see cref="FacilityId"/>.
/// </summary>
public interface ICurrentUser
{
    bool IsAuthenticated { get; }

    string? UserId { get; }

    string? UserName { get; }

    /// <summary>The user's facility; null for network-wide staff (and for anonymous callers).</summary>
    Guid? FacilityId { get; }

    /// <summary>The remote address of the browser or client, for the audit trail.</summary>
    string? RemoteAddress { get; }

    bool IsInRole(string role);
}

public static class CurrentUserExtensions
{
    public static bool IsInAnyRole(this ICurrentUser user, IEnumerable<string> roles) => roles.Any(user.IsInRole);

    /// <summary>Network administrators see every facility; everyone else only their own.</summary>
    public static bool CanSeeFacility(this ICurrentUser user, Guid facilityId) =>
        user.IsInRole(Roles.NetworkAdmin) || user.FacilityId == facilityId;
}
