using Bunit;
using ImagePortal.Domain.Facilities;
using ImagePortal.Web.Features.Administration.Facilities;

namespace ImagePortal.Tests.Components;

/// <summary>The node editor for a DICOMweb node: its own fields instead of AE title, host and port, and a write-only secret.</summary>
public sealed class NodeEditorTests : MudComponentTest
{
    private static NodeDetails WebNode(bool hasSecret) => new(
        Guid.NewGuid(), "Cloud archive", "", "pacs.example.org", 443, true, DicomCapabilities.Find | DicomCapabilities.Store, false,
        CallingAddressCheck.PortalDefault, NodeProtocol.DicomWeb, "https://pacs.example.org/dicom-web/",
        new WebNodeDetails("https://pacs.example.org/dicom-web/", WebAuthentication.Basic, "portal", null, null, null, null, 30, hasSecret));

    [Fact]
    public void EditingADicomWebNode_WithAStoredPassword_ShowsTheFieldEmpty_SaysOneIsStored_AndOffersToClearIt()
    {
        var model = NodeModel.From(WebNode(hasSecret: true));

        var editor = Render<NodeEditor>(p => p.Add(c => c.Node, model).Add(c => c.IsNew, false));

        var password = editor.Find("input[type='password']");
        Assert.True(string.IsNullOrEmpty(password.GetAttribute("value")));
        Assert.Contains("One is stored; leave empty to keep it", editor.Markup);
        Assert.Contains("Clear the stored password", editor.Markup);
        Assert.Contains("https://pacs.example.org/dicom-web/", editor.Markup);
        Assert.DoesNotContain("AE title", editor.Markup);
        Assert.Null(model.ToSettings().Web!.Secret);
    }

    [Fact]
    public void ATypedPassword_GoesIntoTheSettings_AsTheNewSecret()
    {
        var model = NodeModel.From(WebNode(hasSecret: false));
        var editor = Render<NodeEditor>(p => p.Add(c => c.Node, model).Add(c => c.IsNew, false));

        editor.Find("input[type='password']").Change("typed-secret");

        Assert.Contains("None is stored", editor.Markup);
        Assert.DoesNotContain("Clear the stored password", editor.Markup);
        var settings = model.ToSettings();
        Assert.Equal((NodeProtocol.DicomWeb, "typed-secret", false), (settings.Protocol, settings.Web!.Secret, settings.Web.ClearSecret));
        Assert.DoesNotContain("typed-secret", settings.ToString());
    }
}
