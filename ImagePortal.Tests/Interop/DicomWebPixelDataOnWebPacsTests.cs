namespace ImagePortal.Tests.Interop;

/// <summary>
/// <see cref="DicomWebPixelDataTestsBase"/> with the facilities' PACS a DICOMweb node (Orthanc's plugin, basic authentication): QIDO-RS
/// lists, WADO-RS fetches, for the approver's PACS and for the clerk's import destination alike.
/// </summary>
public sealed class DicomWebPixelDataOnWebPacsTests(WebPacsDicomWebFixture fixture) : DicomWebPixelDataTestsBase(fixture), IClassFixture<WebPacsDicomWebFixture>;
