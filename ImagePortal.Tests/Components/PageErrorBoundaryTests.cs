using Bunit;
using ImagePortal.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ImagePortal.Tests.Components;

/// <summary>
/// A page whose action fails (a locked or unreachable database, say) tells the person so in plain words and lets them
/// try again; the circuit goes on (before, the exception ended the circuit and the page sat unchanged, no message).
/// </summary>
public sealed class PageErrorBoundaryTests : MudComponentTest
{
    [Fact]
    public void AnActionThatThrows_IsToldInPlainWords_WithoutDetails_AndTryAgainBringsThePageBack()
    {
        var page = Render<PageErrorBoundary>(p => p.Add(b => b.ChildContent, (RenderFragment)(builder =>
        {
            builder.OpenComponent<FailingPage>(0);
            builder.CloseComponent();
        })));

        page.Find("button#submit").Click();

        var alert = page.Find("[data-testid=page-error]");
        Assert.Contains("That did not work, and nothing was changed.", alert.TextContent);
        Assert.Contains("Try again", alert.TextContent);
        Assert.DoesNotContain("database is locked", page.Markup);
        Assert.DoesNotContain("   at ", page.Markup);
        Assert.Empty(page.FindAll("button#submit"));

        page.FindAll("button").Single(b => b.TextContent.Contains("Try again")).Click();

        Assert.Single(page.FindAll("button#submit"));
        Assert.Empty(page.FindAll("[data-testid=page-error]"));
    }

    /// <summary>A page whose submit fails the way a locked SQLite database does.</summary>
    private sealed class FailingPage : ComponentBase
    {
        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "id", "submit");
            builder.AddAttribute(2, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, Submit));
            builder.AddContent(3, "Submit");
            builder.CloseElement();
        }

        private static Task Submit(MouseEventArgs _) =>
            throw new InvalidOperationException("SQLite Error 5: 'database is locked'.");
    }
}
