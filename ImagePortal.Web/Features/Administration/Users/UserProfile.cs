
namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>Who a user is and what they may do; the password never travels in here.</summary>
public sealed record UserProfile(string DisplayName, string? Email, Guid? FacilityId, IReadOnlyList<string> Roles);
