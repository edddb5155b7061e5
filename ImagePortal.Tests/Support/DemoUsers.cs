namespace ImagePortal.Tests.Support;

/// <summary>Sign-ins of the demo seed in ImagePortal.Web/appsettings.json (also listed in the README).</summary>
public static class DemoUsers
{
    public static readonly (string UserName, string Password) ClerkNvh = ("clerk.nvh", "demo-password-clerk");
    public static readonly (string UserName, string Password) ClerkSbr = ("clerk.sbr", "demo-password-clerk");
    public static readonly (string UserName, string Password) ApproverSbr = ("approver.sbr", "demo-password-approver");
    public static readonly (string UserName, string Password) ApproverNvh = ("approver.nvh", "demo-password-approver");
    public static readonly (string UserName, string Password) SecondApproverSbr = ("approver2.sbr", "demo-password-approver");
    public static readonly (string UserName, string Password) AdminNvh = ("admin.nvh", "demo-password-admin");
    public static readonly (string UserName, string Password) NetworkAdmin = ("netadmin", "demo-password-netadmin");
}
