namespace ImagePortal.Domain.Common;

/// <summary>The roles of DESIGN.md. A user holds one or more; network-wide staff have no facility.</summary>
public static class Roles
{
    public const string Clerk = nameof(Clerk);
    public const string Approver = nameof(Approver);
    public const string Auditor = nameof(Auditor);
    public const string FacilityAdmin = nameof(FacilityAdmin);
    public const string NetworkAdmin = nameof(NetworkAdmin);

    public static IReadOnlyList<string> All { get; } = [Clerk, Approver, Auditor, FacilityAdmin, NetworkAdmin];

    /// <summary>Roles whose holders may work without belonging to a facility.</summary>
    public static IReadOnlyList<string> NetworkWide { get; } = [Auditor, NetworkAdmin];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
