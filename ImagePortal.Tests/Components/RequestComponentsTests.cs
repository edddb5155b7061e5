using Bunit;
using ImagePortal.Domain.Requests;
using ImagePortal.Tests.Support;
using ImagePortal.Web.Features.Requests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace ImagePortal.Tests.Components;

/// <summary>
/// The request form and the inbox rendered by bUnit on top of the real portal services (Mediator pipeline, SQLite with
/// the demo network), signed in as a given user.
/// </summary>
public sealed class RequestComponentsTests : MudComponentTest, IClassFixture<UseCaseFixture>
{
    private readonly UseCaseFixture _portal;

    public RequestComponentsTests(UseCaseFixture portal)
    {
        _portal = portal;
        Services.AddFallbackServiceProvider(portal.Services);
    }

    [Fact]
    public async Task NewRequestForm_ShowsInlineErrors_AndFilesNothing_WhenRequiredFieldsAreEmpty()
    {
        await SignInAsync(_portal, DemoUsers.ClerkNvh.UserName);
        Render<MudPopoverProvider>();
        var before = await _portal.DbAsync(db => db.ImageRequests.CountAsync(Xunit.TestContext.Current.CancellationToken));

        var form = Render<NewRequest>();
        await form.InvokeAsync(() => form.FindAll("button").Single(b => b.TextContent.Contains("Submit request")).Click());

        form.WaitForAssertion(() =>
        {
            Assert.Contains("Choose the partner facility.", form.Markup);
            Assert.Contains("Enter the family name.", form.Markup);
            Assert.Contains("Enter the MRN at your facility", form.Markup);
            Assert.Contains("Give the clinical reason for the request.", form.Markup);
        });
        Assert.Equal(before, await _portal.DbAsync(db => db.ImageRequests.CountAsync(Xunit.TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Inbox_ListsTheFacilitysOpenRequests_WithAClaimButton()
    {
        var sbr = await _portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Xunit.TestContext.Current.CancellationToken));
        var filed = await _portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Component", GivenName = "Test", LocalMrn = "NVH-B1", Modalities = ["CT"], Priority = RequestPriority.Stat,
        });
        await SignInAsync(_portal, DemoUsers.ApproverSbr.UserName);
        Render<MudPopoverProvider>();

        var inbox = Render<Inbox>();

        inbox.WaitForAssertion(() =>
        {
            Assert.Contains(filed.Value!.Number!, inbox.Markup);
            Assert.Contains("Component, Test", inbox.Markup);
            Assert.Single(inbox.FindAll("button"), b => b.GetAttribute("aria-label") == $"Claim {filed.Value.Number}");
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RequestList_ShowsTheClerksRequests_WithTheirFilters()
    {
        var sbr = await _portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Xunit.TestContext.Current.CancellationToken));
        var filed = await _portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
        {
            FamilyName = "Listed", GivenName = "Patient", LocalMrn = "NVH-B2", Modalities = ["MR"],
        });
        await SignInAsync(_portal, DemoUsers.ClerkNvh.UserName);
        Render<MudPopoverProvider>();

        var list = Render<Requests>();

        list.WaitForAssertion(() =>
        {
            Assert.Contains(filed.Value!.Number!, list.Markup);
            Assert.Contains("Listed, Patient", list.Markup);
            foreach (var label in new[] { "Patient name or MRN", "Status", "Asked from", "Filed from", "Filed until", "Priority" })
            {
                Assert.Contains(label, list.Markup);
            }
        }, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RequestList_SortsOnTheServer_WhenTheClerkClicksAColumnHeader()
    {
        var sbr = await _portal.DbAsync(db => db.Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(Xunit.TestContext.Current.CancellationToken));
        foreach (var mrn in new[] { "SORTUI-2", "SORTUI-3", "SORTUI-1" })
        {
            var filed = await _portal.CommandAsync(DemoUsers.ClerkNvh.UserName, Build.FileRequest(sbr) with
            {
                FamilyName = "Sortable", GivenName = "Patient", LocalMrn = mrn, Modalities = ["CR"], ConfirmedNotDuplicate = true,
            });
            Assert.True(filed.IsSuccess, filed.Failure?.Message);
        }

        await SignInAsync(_portal, DemoUsers.ClerkNvh.UserName);
        Render<MudPopoverProvider>();
        var list = Render<Requests>();
        IEnumerable<string> Mrns() => list.FindAll("td").Select(td => td.TextContent.Trim()).Where(t => t.StartsWith("SORTUI-", StringComparison.Ordinal));
        list.WaitForAssertion(() => Assert.Equal(["SORTUI-1", "SORTUI-3", "SORTUI-2"], Mrns()), TimeSpan.FromSeconds(10));

        var header = list.FindAll("th").Single(th => th.TextContent.Contains("Local MRN"));
        await list.InvokeAsync(() => header.QuerySelector(".sortable-column-header")!.Click());

        list.WaitForAssertion(() => Assert.Equal(["SORTUI-1", "SORTUI-2", "SORTUI-3"], Mrns()), TimeSpan.FromSeconds(10));
    }
}
