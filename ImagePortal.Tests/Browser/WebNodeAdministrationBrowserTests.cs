using System.Text.RegularExpressions;
using ImagePortal.Domain.Facilities;
using ImagePortal.Infrastructure.Data;
using ImagePortal.Infrastructure.DicomWeb;
using ImagePortal.Tests.Interop;
using ImagePortal.Tests.Support;
using ImagePortal.Tests.Support.Peers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImagePortal.Tests.Browser;

/// <summary>
/// An administrator adds a DICOMweb node in the browser (an Orthanc with its DICOMweb plugin and basic authentication),
/// tests it, and opens it again: the password field is empty, the stored password is kept and never reaches the page.
/// </summary>
public sealed class WebNodeAdministrationBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task AnAdministrator_AddsADicomWebNode_TestsIt_AndThePasswordNeverComesBack()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var orthanc = await OrthancPeer.StartAsync(
            new OrthancPeerOptions { DicomWeb = true, BasicAuthentication = (DicomWebOrthancFixture.User, DicomWebOrthancFixture.Password) }, ct);
        await using var context = await browser.NewContextAsync();
        var page = await SignedIn.AsAsync(context, DemoUsers.NetworkAdmin);
        var facilityId = await browser.App.InScopeAsync(services =>
            services.GetRequiredService<ImagePortalDbContext>().Facilities.Where(f => f.Code == "SBR").Select(f => f.Id).SingleAsync(ct));
        await page.GotoAsync($"/admin/facilities/{facilityId}");
        await new Shell(page).WaitUntilInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Add node" }).ClickAsync();
        await page.GetByLabel("Node kind").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "DICOMweb (QIDO-RS, WADO-RS, STOW-RS)" }).ClickAsync();
        await page.GetByLabel("Node name").FillAsync("Cloud archive");
        await page.GetByLabel("Base URL").FillAsync(orthanc.DicomWebRoot.ToString());
        await page.GetByLabel("Authentication").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "HTTP basic (user name and password)" }).ClickAsync();
        await page.GetByLabel("User name").FillAsync(DicomWebOrthancFixture.User);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(DicomWebOrthancFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save node" }).ClickAsync();
        await Expect(page.GetByText("Node Cloud archive was added.")).ToBeVisibleAsync();

        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Cloud archive" });
        await Expect(row.GetByRole(AriaRole.Cell, new() { Name = orthanc.DicomWebRoot.ToString(), Exact = true })).ToBeVisibleAsync();
        await Expect(row.GetByRole(AriaRole.Cell, new() { Name = "QIDO-RS, WADO-RS, STOW-RS", Exact = true })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection to Cloud archive" }).ClickAsync();
        await Expect(page.GetByTestId("echo-outcome")).ToHaveTextAsync(new Regex(@"^Cloud archive answered a QIDO-RS search: success, round trip \d+\.\d ms\.$"));

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit node Cloud archive" }).ClickAsync();
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveValueAsync("");
        await Expect(page.GetByText("One is stored; leave empty to keep it")).ToBeVisibleAsync();
        Assert.DoesNotContain(DicomWebOrthancFixture.Password, await page.ContentAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Save node" }).ClickAsync();
        await Expect(page.GetByText("Node Cloud archive was saved.")).ToBeVisibleAsync();

        var stored = await browser.App.InScopeAsync(services => services.GetRequiredService<ImagePortalDbContext>().DicomNodes
            .SingleAsync(n => n.FacilityId == facilityId && n.Protocol == NodeProtocol.DicomWeb, ct));
        Assert.Equal(DicomWebOrthancFixture.Password, browser.App.Services.GetRequiredService<NodeSecretProtector>().Unprotect(stored.ProtectedSecret, stored.Name));
    }
}
