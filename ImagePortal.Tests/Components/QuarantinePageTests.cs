using Bunit;
using ImagePortal.Domain.Retrievals;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Administration;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>The quarantine page rendered by bUnit on the real portal services: the rows an administrator may see, and the reason each action asks for.</summary>
public sealed class QuarantinePageTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private readonly UseCaseFixture _portal;

    public QuarantinePageTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    [Fact]
    public async Task ThePage_ListsTheHeldInstance_WithItsRequestSourcePatientIdReasonAndSize_AndTheRetentionSettings()
    {
        var held = await HoldAsync("NVH-C1");

        var (page, _, _) = await PageAsAsync(DemoUsers.AdminNvh.UserName);

        page.WaitForAssertion(() => Assert.Contains(held.SopInstanceUid, page.Markup), TimeSpan.FromSeconds(10));
        var row = page.FindAll("tr").Single(r => r.TextContent.Contains(held.SopInstanceUid));
        Assert.Equal($"/requests/{held.Request.Number}", row.QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains("SBR_PACS · SBR", row.TextContent);
        Assert.Contains(held.Request.StudyInstanceUid, row.TextContent);
        Assert.Contains("SBR-6199", row.TextContent);
        Assert.Contains("is not 'SBR-6100'", row.TextContent);
        Assert.Contains("KiB", row.TextContent);
        Assert.Contains("Held", row.TextContent);
        var retention = page.Find("[data-testid='quarantine-retention']").TextContent;
        Assert.Contains("30 days", retention);
        Assert.Contains("Retrieval:QuarantineRetention", retention);
        Assert.Contains("2 GiB", retention);
        Assert.Contains("Retrieval:QuarantineLimitBytes", retention);
    }

    [Fact]
    public async Task Delete_AsksForAReason_NamingTheInstance_AndDeletesOnlyOnceOneIsGiven()
    {
        var held = await HoldAsync("NVH-C2");
        var (page, dialogs, snackbars) = await PageAsAsync(DemoUsers.AdminNvh.UserName);
        page.WaitForAssertion(() => Assert.Contains(held.SopInstanceUid, page.Markup), TimeSpan.FromSeconds(10));

        await page.InvokeAsync(() => page.Find($"button[aria-label='Delete quarantined instance {held.SopInstanceUid}']").Click());

        dialogs.WaitForAssertion(() => Assert.Contains(held.SopInstanceUid, dialogs.Find("[data-testid='quarantine-decision']").TextContent), TimeSpan.FromSeconds(10));
        Assert.Contains(held.Request.Number, dialogs.Find("[data-testid='quarantine-decision']").TextContent);
        Assert.Contains("Reason", dialogs.Find("label").TextContent);
        Assert.True(ConfirmButton(dialogs, "Delete instance").HasAttribute("disabled"));

        await dialogs.InvokeAsync(() => dialogs.Find("textarea").Input("Another patient's image"));
        dialogs.WaitForAssertion(() => Assert.False(ConfirmButton(dialogs, "Delete instance").HasAttribute("disabled")));
        await dialogs.InvokeAsync(() => ConfirmButton(dialogs, "Delete instance").Click());

        snackbars.WaitForAssertion(() => Assert.Contains($"Instance {held.SopInstanceUid} of {held.Request.Number} was deleted.", snackbars.Markup), TimeSpan.FromSeconds(10));
        var row = await QuarantinedInstances.RowAsync(_portal, held.Id);
        Assert.Equal(QuarantineState.Deleted, row.State);
        Assert.Equal("Another patient's image", row.Resolution);
        page.WaitForAssertion(() => Assert.DoesNotContain(held.SopInstanceUid, page.Markup), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Release_AsksForAReason_AndCancellingLeavesTheInstanceHeld()
    {
        var held = await HoldAsync("NVH-C3");
        var (page, dialogs, _) = await PageAsAsync(DemoUsers.NetworkAdmin.UserName);
        page.WaitForAssertion(() => Assert.Contains(held.SopInstanceUid, page.Markup), TimeSpan.FromSeconds(10));

        await page.InvokeAsync(() => page.Find($"button[aria-label='Release quarantined instance {held.SopInstanceUid}']").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("verified it belongs to the request's patient", dialogs.Markup), TimeSpan.FromSeconds(10));
        Assert.True(ConfirmButton(dialogs, "Release and import").HasAttribute("disabled"));
        await dialogs.InvokeAsync(() => ConfirmButton(dialogs, "Cancel").Click());

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid='quarantine-decision']")));
        Assert.Equal(QuarantineState.Held, (await QuarantinedInstances.RowAsync(_portal, held.Id)).State);
        Assert.True(File.Exists(held.Path));
    }

    private static AngleSharp.Dom.IElement ConfirmButton(IRenderedComponent<MudDialogProvider> dialogs, string text) =>
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == text);

    private async Task<HeldInstance> HoldAsync(string localMrn) =>
        await QuarantinedInstances.HoldAsync(_portal, await QuarantinedInstances.ApprovedRequestAsync(_portal, localMrn));

    private async Task<(IRenderedComponent<Quarantine> Page, IRenderedComponent<MudDialogProvider> Dialogs, IRenderedComponent<MudSnackbarProvider> Snackbars)> PageAsAsync(string userName)
    {
        await SignInAsync(_portal, userName);
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var snackbars = Render<MudSnackbarProvider>();
        return (Render<Quarantine>(), dialogs, snackbars);
    }
}
