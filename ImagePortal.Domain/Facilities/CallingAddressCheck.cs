namespace ImagePortal.Domain.Facilities;

/// <summary>
/// Whether the portal's Storage SCP admits a node's AE title only from the node's host (its address, or what its host
/// name resolves to). A copied AE title is no credential: the check is what stops another machine from using it.
/// </summary>
public enum CallingAddressCheck
{
    /// <summary>As the portal-wide setting says (<c>Dicom:CheckCallingAddress</c>, on by default).</summary>
    PortalDefault = 0,

    /// <summary>Only from the node's host, whatever the portal-wide setting.</summary>
    Required = 1,

    /// <summary>From any address (a node behind address translation or a cluster whose members call from their own addresses).</summary>
    Off = 2,
}
