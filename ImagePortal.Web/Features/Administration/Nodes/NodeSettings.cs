using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>A DICOM node as an administrator enters it.</summary>
/// <param name="CallingAddressCheck">Whether the portal's Storage SCP admits the node's AE title only from its host.</param>
/// <param name="Protocol">DIMSE (AE title, host, port) or DICOMweb (<paramref name="Web"/>; AE title, host and port unused).</param>
public sealed record NodeSettings(
    string Name, string AeTitle, string Host, int Port, bool UseTls, DicomCapabilities Capabilities, bool IsImportDestination,
    CallingAddressCheck CallingAddressCheck = CallingAddressCheck.PortalDefault,
    NodeProtocol Protocol = NodeProtocol.Dimse, WebNodeSettings? Web = null);
