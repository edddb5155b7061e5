using ImagePortal.Infrastructure.Seed;
using ImagePortal.Web.Demo;

namespace ImagePortal.Tests.Web;

public sealed class DemoWelcomeTests
{
    [Fact]
    public void Banner_NamesTheUrl_AndEverySignInWithRoleFacilityAndPassword()
    {
        var users = new[]
        {
            new SeedUser { UserName = "clerk.nvh", Password = "demo-password-clerk", Roles = ["Clerk"], Facility = "NVH" },
            new SeedUser { UserName = "auditor", Password = "demo-password-auditor", Roles = ["Auditor"] },
        };

        var banner = DemoWelcome.Format(["http://[::]:5241"], users);

        Assert.Contains("http://localhost:5241", banner);
        Assert.Contains("clerk.nvh        demo-password-clerk      Clerk            NVH", banner);
        Assert.Contains("auditor          demo-password-auditor    Auditor          network-wide", banner);
    }
}
