using ImagePortal.Domain.Common;

namespace ImagePortal.Web.Features.Common;

/// <summary>
/// Names the roles that may send a command or query. Every message carries one (a test checks it): the
/// authorization behaviour refuses a message without it, so a forgotten attribute fails closed.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class AuthorizeMessageAttribute(params string[] roles) : Attribute
{
    public IReadOnlyList<string> Roles { get; } = roles;

    /// <summary>Any signed-in user may send the message (it scopes its own data by facility).</summary>
    public bool AnyAuthenticatedUser => Roles.Count == 0;
}

/// <summary>Role sets used by several messages.</summary>
public static class RoleSets
{
    public const string Administrators = Roles.FacilityAdmin + "," + Roles.NetworkAdmin;
}
