using Bunit;
using ImagePortal.Web.Components.Shared;

namespace ImagePortal.Tests.Components;

public sealed class AccessDeniedTests : MudComponentTest
{
    [Fact]
    public void ExplainsTheRefusal_AndOffersTheWayHome()
    {
        var page = Render<AccessDenied>();

        Assert.Equal("403: access denied", page.Find("h1").TextContent);
        Assert.Equal("/", page.Find("a[href]").GetAttribute("href"));
    }
}
