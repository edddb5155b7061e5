namespace ImagePortal.Domain.Facilities;

/// <summary>How the portal talks to a node.</summary>
public enum NodeProtocol
{
    /// <summary>DICOM upper layer (PS3.7/PS3.8): C-ECHO, C-FIND, C-MOVE, C-GET, C-STORE.</summary>
    Dimse = 0,

    /// <summary>DICOMweb over HTTP (PS3.18): QIDO-RS to search, WADO-RS to retrieve, STOW-RS to store.</summary>
    DicomWeb = 1,
}
