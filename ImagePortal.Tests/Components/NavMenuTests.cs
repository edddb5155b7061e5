using Bunit;
using ImagePortal.Domain.Common;
using ImagePortal.Web.Components.Layout;
using ImagePortal.Web.Security;

namespace ImagePortal.Tests.Components;

public sealed class NavMenuTests : MudComponentTest
{
    private IReadOnlyList<string> LinksFor(params string[] roles)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("someone");
        auth.SetRoles(roles);
        // The fake authorization service grants a policy when the user holds one of the roles that policy names.
        auth.SetPolicies(PoliciesHeldBy(roles));
        var menu = Render<NavMenu>();
        return menu.FindAll("a").Select(a => a.TextContent.Trim()).ToList();
    }

    private static string[] PoliciesHeldBy(string[] roles)
    {
        var policies = new List<string>();
        if (roles.Contains(Roles.Clerk)) policies.Add(Policies.Clerk);
        if (roles.Contains(Roles.Approver)) policies.Add(Policies.Approver);
        if (roles.Contains(Roles.Auditor)) policies.Add(Policies.Auditor);
        if (roles.Contains(Roles.FacilityAdmin) || roles.Contains(Roles.NetworkAdmin)) policies.Add(Policies.Administrator);
        if (roles.Contains(Roles.NetworkAdmin)) policies.Add(Policies.NetworkAdministrator);
        return [.. policies];
    }

    [Fact]
    public void Clerk_SeesRequestsAndSearch_Only() =>
        Assert.Equal(["Home", "Requests", "Partner facilities", "Search partner archives"], LinksFor(Roles.Clerk));

    [Fact]
    public void Approver_SeesTheInboxAndJobs_Only() =>
        Assert.Equal(["Home", "Inbox", "Jobs"], LinksFor(Roles.Approver));

    [Fact]
    public void Auditor_SeesReportsAndAudit() =>
        Assert.Equal(["Home", "Reports", "Audit"], LinksFor(Roles.Auditor));

    [Fact]
    public void FacilityAdminWhoIsAlsoClerk_SeesBoth() =>
        Assert.Equal(["Home", "Requests", "Partner facilities", "Search partner archives", "Jobs", "Facilities", "Agreements", "Users", "Quarantine"], LinksFor(Roles.Clerk, Roles.FacilityAdmin));

    [Fact]
    public void NetworkAdmin_AlsoSeesThePortalsDicomSettings_AndTheAuditExport() =>
        Assert.Equal(["Home", "Jobs", "Facilities", "Agreements", "Users", "Quarantine", "Portal DICOM settings", "Audit export"], LinksFor(Roles.NetworkAdmin));
}
