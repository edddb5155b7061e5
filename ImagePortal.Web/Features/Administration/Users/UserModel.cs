namespace ImagePortal.Web.Features.Administration.Users;

/// <summary>The user editor's fields (<see cref="UserEditor"/>): a new user, or the one being edited.</summary>
public sealed class UserModel
{
    public string? Id { get; set; }
    public string? UserName { get; set; }
    public string? DisplayName { get; set; }
    public string? Email { get; set; }
    public Guid? FacilityId { get; set; }
    public IReadOnlyCollection<string> Roles { get; set; } = [];
    public string? ConcurrencyStamp { get; set; }

    public static UserModel From(UserRow row) => new()
    {
        Id = row.Id, UserName = row.UserName, DisplayName = row.DisplayName, Email = row.Email, FacilityId = row.FacilityId,
        Roles = row.Roles.ToList(), ConcurrencyStamp = row.ConcurrencyStamp,
    };

    public UserProfile ToProfile() => new(DisplayName ?? "", Email, FacilityId, Roles.ToList());
}
