namespace ImagePortal.Infrastructure.Seed;

/// <summary>
/// The passwords the shipped appsettings.json and the README give the demo accounts. They are public, so an account
/// seeded with one of them can be signed in to by anyone; outside Development the portal refuses to start with them.
/// </summary>
public static class DemoPasswords
{
    public static readonly IReadOnlySet<string> Published = new HashSet<string>(StringComparer.Ordinal)
    {
        "demo-password-clerk",
        "demo-password-approver",
        "demo-password-admin",
        "demo-password-auditor",
        "demo-password-netadmin",
    };

    /// <summary>The seed users whose password is one of the published ones.</summary>
    public static IReadOnlyList<string> UsersWithPublishedPassword(SeedOptions seed) =>
        seed.Users.Where(u => Published.Contains(u.Password)).Select(u => u.UserName).ToList();
}
