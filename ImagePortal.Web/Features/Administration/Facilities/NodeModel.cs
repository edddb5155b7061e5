using ImagePortal.Domain.Facilities;
using ImagePortal.Web.Features.Administration.Nodes;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>
/// The node editor's fields (<see cref="NodeEditor"/>); defaults are those of a new node (DIMSE, port 104, echo, find, move,
/// store). For a DICOMweb node, Find, Get and Store are search (QIDO-RS), retrieve (WADO-RS) and store (STOW-RS).
/// <see cref="Secret"/> starts empty, also when editing: the stored secret is never read back.
/// </summary>
public sealed class NodeModel
{
    public NodeProtocol Protocol { get; set; }
    public string? Name { get; set; }
    public string? AeTitle { get; set; }
    public string? Host { get; set; }
    public int Port { get; set; } = 104;
    public bool UseTls { get; set; }
    public bool Echo { get; set; } = true;
    public bool Find { get; set; } = true;
    public bool Move { get; set; } = true;
    public bool Get { get; set; }
    public bool Store { get; set; } = true;
    public bool IsImportDestination { get; set; }
    public CallingAddressCheck CallingAddressCheck { get; set; }
    public string? BaseUrl { get; set; }
    public WebAuthentication Authentication { get; set; }
    public string? UserName { get; set; }
    public string? TokenUrl { get; set; }
    public string? ClientId { get; set; }
    public string? Scope { get; set; }
    public string? PinnedCaPem { get; set; }
    public int TimeoutSeconds { get; set; } = 60;
    public string? Secret { get; set; }
    public bool ClearSecret { get; set; }

    /// <summary>Whether the node being edited has a secret stored (shown, never its value).</summary>
    public bool HasSecret { get; private set; }

    public bool IsDicomWeb => Protocol == NodeProtocol.DicomWeb;

    /// <summary>A new node's kind; a DICOMweb node starts offering search, retrieve and store, as most archives do.</summary>
    public void SwitchTo(NodeProtocol protocol)
    {
        if (protocol == Protocol)
        {
            return;
        }

        Protocol = protocol;
        if (protocol == NodeProtocol.DicomWeb)
        {
            (Find, Get, Store) = (true, true, true);
        }
    }

    public static NodeModel From(NodeDetails n)
    {
        var model = new NodeModel
        {
            Protocol = n.Protocol, Name = n.Name, AeTitle = n.IsDicomWeb ? null : n.AeTitle, Host = n.IsDicomWeb ? null : n.Host,
            Port = n.IsDicomWeb ? 104 : n.Port, UseTls = !n.IsDicomWeb && n.UseTls,
            Echo = n.Capabilities.HasFlag(DicomCapabilities.Echo), Find = n.Capabilities.HasFlag(DicomCapabilities.Find),
            Move = n.Capabilities.HasFlag(DicomCapabilities.Move), Get = n.Capabilities.HasFlag(DicomCapabilities.Get),
            Store = n.Capabilities.HasFlag(DicomCapabilities.Store), IsImportDestination = n.IsImportDestination,
            CallingAddressCheck = n.CallingAddressCheck,
        };
        if (n.Web is { } web)
        {
            model.BaseUrl = web.BaseUrl;
            model.Authentication = web.Authentication;
            model.UserName = web.UserName;
            model.TokenUrl = web.TokenUrl;
            model.ClientId = web.ClientId;
            model.Scope = web.Scope;
            model.PinnedCaPem = web.PinnedCaPem;
            model.TimeoutSeconds = web.TimeoutSeconds;
            model.HasSecret = web.HasSecret;
        }

        return model;
    }

    public NodeSettings ToSettings() => IsDicomWeb
        ? new NodeSettings(
            Name ?? "", "", "", 0, false,
            (Find ? DicomCapabilities.Find : 0) | (Get ? DicomCapabilities.Get : 0) | (Store ? DicomCapabilities.Store : 0),
            IsImportDestination, CallingAddressCheck.PortalDefault, NodeProtocol.DicomWeb,
            new WebNodeSettings(BaseUrl ?? "", Authentication, UserName, TokenUrl, ClientId, Scope, PinnedCaPem, TimeoutSeconds, Secret, ClearSecret))
        : new NodeSettings(
            Name ?? "", AeTitle ?? "", Host ?? "", Port, UseTls,
            (Echo ? DicomCapabilities.Echo : 0) | (Find ? DicomCapabilities.Find : 0) | (Move ? DicomCapabilities.Move : 0) |
            (Get ? DicomCapabilities.Get : 0) | (Store ? DicomCapabilities.Store : 0),
            IsImportDestination, CallingAddressCheck);
}
