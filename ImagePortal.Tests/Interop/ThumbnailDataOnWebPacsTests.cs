namespace ImagePortal.Tests.Interop;

/// <summary>
/// <see cref="ThumbnailDataTestsBase"/> with the facilities' PACS a DICOMweb node (Orthanc's plugin, basic authentication): QIDO-RS
/// lists, WADO-RS fetches, for the approver's PACS and for the clerk's import destination alike.
/// </summary>
public sealed class ThumbnailDataOnWebPacsTests(WebPacsDicomWebFixture fixture) : ThumbnailDataTestsBase(fixture), IClassFixture<WebPacsDicomWebFixture>;
