using ImagePortal.Domain.Facilities;

namespace ImagePortal.Tests.Interop;

/// <summary>
/// <see cref="DicomWebFixture"/> with SBR's PACS (the approver's) and NVH's import destination (the clerk's) as DICOMweb
/// nodes on Orthanc's DICOMweb plugin, with basic authentication: the portal's DICOMweb service lists them by QIDO-RS and
/// fetches from them by WADO-RS.
/// </summary>
public sealed class WebPacsDicomWebFixture : DicomWebFixture
{
    protected override NodeProtocol Protocol => NodeProtocol.DicomWeb;
}
