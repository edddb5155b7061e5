using ImagePortal.Domain.Common;
using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Domain.Facilities;

public sealed class DicomWebNodeTests
{
    private const DicomCapabilities WebServices = DicomCapabilities.Find | DicomCapabilities.Get | DicomCapabilities.Store;

    private static Facility NewFacility() => new("Northvale General Hospital", "nvh", "Northvale", "NVH-MRN", "Europe/Dublin");

    [Fact]
    public void Endpoint_EndsTheServiceRootWithASlash_SoResourcesResolveBelowIt()
    {
        var endpoint = DicomWebEndpoint.Create("https://pacs.example.org/dicom-web", WebAuthentication.None);

        Assert.Equal("https://pacs.example.org/dicom-web/", endpoint.BaseUrl.AbsoluteUri);
        Assert.Equal("https://pacs.example.org/dicom-web/studies", new Uri(endpoint.BaseUrl, "studies").AbsoluteUri);
    }

    [Theory]
    [InlineData("pacs.example.org/dicom-web", "absolute")]
    [InlineData("ftp://pacs.example.org/", "absolute")]
    [InlineData("file:///etc/passwd", "absolute")]
    [InlineData("https://admin:secret@pacs.example.org/", "user name or password")]
    [InlineData("https://pacs.example.org/#x", "fragment")]
    [InlineData("https://under_score.example/", "not a valid host")]
    [InlineData("", "required")]
    public void Endpoint_RefusesAUrlThatIsNotAServiceRoot(string url, string reason)
    {
        var error = Assert.Throws<DomainException>(() => DicomWebEndpoint.Create(url, WebAuthentication.None));

        Assert.Contains(reason, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Endpoint_NeedsWhatItsAuthenticationNeeds()
    {
        Assert.Equal(DicomWebEndpoint.BasicNeedsUser,
            Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic)).Message);
        Assert.Equal(DicomWebEndpoint.ClientCredentialsNeedClient,
            Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.ClientCredentials, tokenUrl: "https://login.example/token")).Message);
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.ClientCredentials, clientId: "portal"));
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic, userName: "a:b"));
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.None, timeoutSeconds: 0));
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("http://p.example/", WebAuthentication.None, pinnedCaPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----"));
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", WebAuthentication.None, pinnedCaPem: "not a certificate"));
        Assert.Throws<DomainException>(() => DicomWebEndpoint.Create("https://p.example/", (WebAuthentication)7));
    }

    [Fact]
    public void Endpoint_KeepsOnlyWhatItsAuthenticationUses()
    {
        var basic = DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic, userName: "portal", clientId: "stray", scope: "stray");

        Assert.Equal("portal", basic.UserName);
        Assert.Null(basic.ClientId);
        Assert.Null(basic.Scope);
        Assert.True(basic.NeedsSecret);
        Assert.False(DicomWebEndpoint.Create("https://p.example/", WebAuthentication.None, userName: "x").NeedsSecret);
    }

    [Fact]
    public void WebNode_HasItsEndpoint_NoAeTitle_AndNoMove()
    {
        var facility = NewFacility();
        var endpoint = DicomWebEndpoint.Create("https://cloud.example:8443/v2/dicomweb", WebAuthentication.ClientCredentials,
            tokenUrl: "https://login.example/oauth2/token", clientId: "portal", scope: "https://dicom.example/.default");

        var node = facility.AddWebNode("Cloud archive", endpoint, DicomCapabilities.All);

        Assert.True(node.IsDicomWeb);
        Assert.Equal(endpoint, node.Web);
        Assert.Equal("cloud.example", node.Host);
        Assert.Equal(8443, node.Port);
        Assert.True(node.UseTls);
        Assert.False(node.Supports(DicomCapabilities.Move));
        Assert.Equal("https://cloud.example:8443/v2/dicomweb/", node.Address);
        Assert.Throws<InvalidOperationException>(() => node.AeTitle);
        Assert.Throws<DomainException>(() => facility.UpdateNode(node.Id, "x", AeTitle.Parse("X"), "h", 104, DicomCapabilities.All, false));
        Assert.Throws<DomainException>(() => facility.SetNodeCallingAddressCheck(node.Id, CallingAddressCheck.Required));
    }

    [Fact]
    public void DimseNode_HasNoEndpoint_AndKeepsNoSecret()
    {
        var facility = NewFacility();
        var node = facility.AddNode("PACS", AeTitle.Parse("NVH_PACS"), "pacs.nvh.example", 104, DicomCapabilities.All);

        Assert.Null(node.Web);
        Assert.Equal("NVH_PACS@pacs.nvh.example:104", node.Address);
        Assert.Throws<DomainException>(() => facility.SetNodeSecret(node.Id, "protected"));
        Assert.Throws<DomainException>(() => facility.UpdateWebNode(node.Id, "x", DicomWebEndpoint.Create("https://p.example/", WebAuthentication.None), WebServices));
    }

    [Fact]
    public void WebNode_ForgetsItsSecret_WhenTheIdentityItWasGivenForChanges()
    {
        var facility = NewFacility();
        var basic = DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic, userName: "portal");
        var node = facility.AddWebNode("Archive", basic, WebServices);
        facility.SetNodeSecret(node.Id, "protected-1");

        facility.UpdateWebNode(node.Id, "Archive renamed", DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic, userName: "portal", timeoutSeconds: 30), WebServices);
        Assert.Equal("protected-1", node.ProtectedSecret);

        facility.UpdateWebNode(node.Id, "Archive", DicomWebEndpoint.Create("https://p.example/", WebAuthentication.Basic, userName: "someone-else"), WebServices);
        Assert.Null(node.ProtectedSecret);
    }

    [Fact]
    public void WebNode_IsUniquePerServiceRoot_AndCanBeTheImportDestination_OnlyWithStore()
    {
        var facility = NewFacility();
        var endpoint = DicomWebEndpoint.Create("https://p.example/dicom-web/", WebAuthentication.None);
        var node = facility.AddWebNode("Archive", endpoint, WebServices);

        Assert.Throws<DomainException>(() => facility.AddWebNode("Again", DicomWebEndpoint.Create("https://p.example/dicom-web", WebAuthentication.None), WebServices));

        facility.SetImportDestination(node.Id);
        Assert.Same(node, facility.ImportDestination);
        Assert.Throws<DomainException>(() => facility.UpdateWebNode(node.Id, "Archive", endpoint, DicomCapabilities.Find | DicomCapabilities.Get));
    }
}
