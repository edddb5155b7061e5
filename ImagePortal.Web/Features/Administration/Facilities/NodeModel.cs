using ImagePortal.Domain.Facilities;
using ImagePortal.Web.Features.Administration.Nodes;

namespace ImagePortal.Web.Features.Administration.Facilities;

/// <summary>The node editor's fields (<see cref="NodeEditor"/>); defaults are those of a new node (port 104, echo, find, move, store).</summary>
public sealed class NodeModel
{
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

    public static NodeModel From(NodeDetails n) => new()
    {
        Name = n.Name, AeTitle = n.AeTitle, Host = n.Host, Port = n.Port, UseTls = n.UseTls,
        Echo = n.Capabilities.HasFlag(DicomCapabilities.Echo), Find = n.Capabilities.HasFlag(DicomCapabilities.Find),
        Move = n.Capabilities.HasFlag(DicomCapabilities.Move), Get = n.Capabilities.HasFlag(DicomCapabilities.Get),
        Store = n.Capabilities.HasFlag(DicomCapabilities.Store), IsImportDestination = n.IsImportDestination,
        CallingAddressCheck = n.CallingAddressCheck,
    };

    public NodeSettings ToSettings() => new(
        Name ?? "", AeTitle ?? "", Host ?? "", Port, UseTls,
        (Echo ? DicomCapabilities.Echo : 0) | (Find ? DicomCapabilities.Find : 0) | (Move ? DicomCapabilities.Move : 0) |
        (Get ? DicomCapabilities.Get : 0) | (Store ? DicomCapabilities.Store : 0),
        IsImportDestination, CallingAddressCheck);
}
