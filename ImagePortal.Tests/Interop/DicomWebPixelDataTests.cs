namespace ImagePortal.Tests.Interop;

/// <summary><see cref="DicomWebPixelDataTestsBase"/> with the facilities' PACS reached by DIMSE (C-FIND, C-GET).</summary>
public sealed class DicomWebPixelDataTests(DicomWebFixture fixture) : DicomWebPixelDataTestsBase(fixture), IClassFixture<DicomWebFixture>;
