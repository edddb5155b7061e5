namespace ImagePortal.Tests.Interop;

/// <summary><see cref="DicomWebTestsBase"/> with the facilities' PACS reached by DIMSE (C-FIND, C-GET).</summary>
public sealed class DicomWebTests(DicomWebFixture fixture) : DicomWebTestsBase(fixture), IClassFixture<DicomWebFixture>;
