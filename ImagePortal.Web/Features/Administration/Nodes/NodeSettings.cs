using ImagePortal.Domain.Facilities;

namespace ImagePortal.Web.Features.Administration.Nodes;

/// <summary>A DICOM node as an administrator enters it.</summary>
/// <param name="CallingAddressCheck">Whether the portal's Storage SCP admits the node's AE title only from its host.</param>
public sealed record NodeSettings(
    string Name, string AeTitle, string Host, int Port, bool UseTls, DicomCapabilities Capabilities, bool IsImportDestination,
    CallingAddressCheck CallingAddressCheck = CallingAddressCheck.PortalDefault);
